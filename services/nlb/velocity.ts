// Amazon's second remediation (PES): "a velocity control mechanism to limit the capacity a single NLB can
// remove when health check failures cause AZ failover". One health-check round may take out of service,
// or out of DNS, at most this much of the capacity it started the round with; what is over the cap waits
// for later rounds. At least one unit per round, so a dead target or node is always removed eventually.
export function removalAllowance(capacity: number, maxRemoveFraction: number): number {
  return Math.max(1, Math.floor(capacity * maxRemoveFraction));
}
