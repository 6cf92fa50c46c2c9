// Loads every toxic type so it registers itself; add one import per new toxic file.
import './latency.js';
