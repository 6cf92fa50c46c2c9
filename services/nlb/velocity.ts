// Amazon's second remediation (PES): "a velocity control mechanism to limit the capacity a single NLB can
// remove when health check failures cause AZ failover". Capacity taken out (targets out of service that
// had passed their checks, weight out of the app endpoint's DNS) is paid from a budget of
// `maxRemoveFraction` of the capacity there is, refilled over `windowMs`: one round never removes more than
// that fraction, and failures that persist drain capacity at that rate, while checks that flap cannot pull
// it all out. A target that never passed a check is not capacity: it leaves service as without the fix
// and costs nothing (health-checks.ts). The budget is at least one unit per window, so a dead target or
// node is always removed eventually, however small the capacity.
export function removalAllowance(capacity: number, maxRemoveFraction: number): number {
  return Math.max(1, Math.floor(capacity * maxRemoveFraction));
}

export class VelocityBudget {
  private left: number | null = null;
  private at: number | null = null;

  /** What may be removed now out of `capacity`, with the budget refilled for the time since the last call. */
  allowance(capacity: number, maxRemoveFraction: number, windowMs: number, now: number): number {
    const full = removalAllowance(capacity, maxRemoveFraction);
    const refill = this.at === null ? full : ((now - this.at) / Math.max(1, windowMs)) * full;
    this.left = Math.min(full, (this.left ?? full) + refill);
    this.at = now;
    return Math.max(0, Math.floor(this.left));
  }

  /** Pays for what was removed. */
  spend(amount: number): void {
    if (this.left !== null) this.left -= amount;
  }
}
