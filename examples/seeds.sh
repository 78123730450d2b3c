#!/usr/bin/env bash
# Runs an example config with seeds 1, 2 and 3 (or $SEEDS) and prints mean ± std (sample std, n-1)
# of every step metric over the runs, as in the plugins' READMEs ("Results").
#   bash examples/seeds.sh rkd-metric                 # any examples/<name>.yaml that lists plugins
#   SEEDS="2 3" bash examples/seeds.sh tas-fashion
# Runs go to ${RUNS:-/tmp/<name>-runs}; the seeded copies of the config to a temporary directory
# (with a node_modules link so that the plugins resolve as they do next to the example).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
config="${1:?usage: seeds.sh <example config name, e.g. rkd-metric>}"
config="${config%.yaml}"
config="${config##*/}"
[ -f "$here/$config.yaml" ] || { echo "seeds.sh: no examples/$config.yaml" >&2; exit 1; }
runs="${RUNS:-/tmp/$config-runs}"
work="$(mktemp -d)"
ln -s "$here/node_modules" "$work/node_modules"
mkdir -p "$runs"
summaries=()
for seed in ${SEEDS:-1 2 3}; do
  sed -e "s/^seed: .*/seed: $seed/" -e "s|^plugins:|output: $runs\nplugins:|" "$here/$config.yaml" > "$work/$config-s$seed.yaml"
  dir="$runs/$config-seed$seed-$(date +%Y%m%d-%H%M%S)"
  nice -n "${NICE:-0}" node "$here/../packages/cli/dist/bin.js" run "$work/$config-s$seed.yaml" --run-dir "$dir" --json > "$work/$config-s$seed.log" 2>&1 \
    || { echo "seed $seed failed: $work/$config-s$seed.log" >&2; exit 1; }
  summaries+=("$dir/summary.json")
done
node -e '
const fs = require("fs");
const runs = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
const values = {};
for (const run of runs) for (const [step, s] of Object.entries(run.steps)) for (const [k, v] of Object.entries(s.metrics ?? {}))
  if (typeof v === "number") (values[`${step}.${k}`] ??= []).push(v);
for (const [key, xs] of Object.entries(values)) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  console.log(`${key}\t${mean.toFixed(4)} ± ${std.toFixed(4)}\t(n=${xs.length}: ${xs.map((x) => x.toFixed(4)).join(", ")})`);
}' "${summaries[@]}"
