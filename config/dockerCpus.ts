// How the docker provider spells a CPU limit in its state: the program sends that
// spelling, and the schema refuses limits the provider cannot read back as themselves.

/**
 * `cpus` exactly as the docker provider writes it into state after a create: it reads
 * NanoCPUs back through nanoInt64ToDecimalString (terraform-provider-docker
 * internal/provider/helpers.go:133, the upstream of pulumi-docker v5.1.0), so 1 becomes
 * "1.0" and 0.25 stays "0.25". `cpus` forces replacement: sending any other spelling
 * ("1") is a diff on every `pulumi up`, which replaced Postgres on each release.
 */
export function dockerCpus(cpus: number): string {
  const nano = BigInt(Math.round(cpus * 1e9));
  if (nano === 0n) return "0";
  const whole = nano / 1_000_000_000n;
  const frac = (nano % 1_000_000_000n).toString().padStart(9, "0");
  const nine = `${whole}.${frac}`; // big.Rat FloatString(9)
  // The provider's test for a "round" value counts every "0" in the string, the whole
  // part's too: 1 -> "1.0", but 10 -> "10." and 0.05 -> "0.1" (FloatString(1) rounds).
  if ((nine.match(/0/g) ?? []).length === 9) {
    const tenths = (nano + 50_000_000n) / 100_000_000n;
    return `${tenths / 10n}.${tenths % 10n}`;
  }
  return nine.replace(/0+$/, "");
}
