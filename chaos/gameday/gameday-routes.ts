// The facilitator's game-day API (admin token only; the responders' token gets 403): start a game (its
// answer is the one place the responders' token is shown), see it, pause and resume its clock, end it.
// `cascade-lab gameday` and the facilitator's drawer drive these same routes.
import type { LabApp } from '../../lib/http.js';
import { gameInfoSchema, gameStartedSchema, gameStartSchema } from './contract.js';
import { RESPONDERS_PATH, type GameManager } from './game.js';

export function registerGamedayRoutes(app: LabApp, games: GameManager): void {
  const admin = { onRequest: app.requireAdmin };

  app.post('/api/gameday', { ...admin, schema: { body: gameStartSchema, response: { 201: gameStartedSchema } } }, async (req, reply) => {
    const { game, token } = await games.start(req.body);
    // No cache may keep the only answer that carries the responders' token.
    return reply.status(201).header('cache-control', 'no-store').send({ game, responders: { path: RESPONDERS_PATH, token } });
  });

  /** The game going on, or the last one; null before the first (the drawer asks every few seconds). */
  app.get('/api/gameday', { ...admin, schema: { response: { 200: gameInfoSchema.nullable() } } }, async () => games.info());

  app.post('/api/gameday/pause', { ...admin, schema: { response: { 200: gameInfoSchema } } }, async () => games.pause());
  app.post('/api/gameday/resume', { ...admin, schema: { response: { 200: gameInfoSchema } } }, async () => games.resume());
  /** Answers at once (state `ending`); the game is `ended`, with its score, once the run's rollbacks are done. */
  app.post('/api/gameday/end', { ...admin, schema: { response: { 200: gameInfoSchema } } }, async () => games.end());
}
