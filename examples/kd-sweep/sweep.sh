#!/usr/bin/env bash
# Does Hinton KD beat the same student trained from the labels at the quickstart's scale?
# Writes one config per (setting, seed) into a temporary folder, runs them with core-run, and
# prints the validation and test accuracies of teacher, label-only baseline and KD student.
#   bash examples/kd-sweep/sweep.sh               # all settings below, seeds 1-3
#   bash examples/kd-sweep/sweep.sh m-w50-a50     # one setting
# Each row: name dataset trainLimit teacherEpochs studentEpochs temperature ceWeight kdWeight width crop
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
settings="
m-w25-a90       mnist         all   6  6 4 0.1 0.9 0.25 0
m-w50-a90       mnist         all   6 10 4 0.1 0.9 0.5  0
m-w50-a50       mnist         all   6 10 4 0.5 0.5 0.5  0
m-w50-a90-long  mnist         all  10 15 4 0.1 0.9 0.5  0
m-w50-a50-crop  mnist         all  10 10 4 0.5 0.5 0.5  2
m1k-w50-a50     mnist         1000 30 30 4 0.5 0.5 0.5  0
f10k-w25-a90    fashion-mnist 10000 10 10 4 0.1 0.9 0.25 0
f10k-w50-a90    fashion-mnist 10000 10 10 4 0.1 0.9 0.5  0
f60k-w25-a90    fashion-mnist all   6  6 4 0.1 0.9 0.25 0
f60k-w50-a90    fashion-mnist all   6  6 4 0.1 0.9 0.5  0
"
only="${1:-}"
seeds="${SEEDS:-1 2 3}"
work="${SWEEP_DIR:-$(mktemp -d)}"
mkdir -p "$work"
echo "configs and runs in $work"
echo "$settings" | while read -r name ds limit te se T cew kdw width crop; do
  [ -z "$name" ] && continue
  [ -n "$only" ] && [ "$only" != "$name" ] && continue
  for seed in $seeds; do
    cfg="$work/$name-s$seed.yaml"
    {
      echo "name: $name-s$seed"
      echo "seed: $seed"
      echo "output: $work/runs"
      echo "data:"
      echo "  dataset: $ds"
      echo "  validation: 0.1"
      [ "$limit" != all ] && echo "  limit: { train: $limit }"
      echo "steps:"
      for arm in teacher baseline student; do
        case $arm in
          teacher) echo "  - { id: teacher, use: core:train, model: { use: core:lenet5 }, epochs: $te,"
                   echo "      optimizer: { type: adam, learningRate: 0.002 }," ;;
          baseline) echo "  - { id: baseline, use: core:train, model: { use: core:lenet5, width: $width }, epochs: $se,"
                    echo "      optimizer: { type: adam, learningRate: 0.003 }," ;;
          student) echo "  - { id: student, use: core:distill, teacher: teacher, model: { use: core:lenet5, width: $width }, epochs: $se,"
                   echo "      optimizer: { type: adam, learningRate: 0.003 },"
                   echo "      loss: [{ use: core:cross-entropy, weight: $cew }, { use: core:kd, temperature: $T, weight: $kdw }]," ;;
        esac
        echo "      batchSize: 64, schedule: { type: cosine }, augment: { crop: $crop } }"
      done
      echo "  - { id: val, use: core:evaluate, split: validation, models: [teacher, baseline, student] }"
      echo "  - { id: test, use: core:evaluate, models: [teacher, baseline, student] }"
    } > "$cfg"
    (cd "$here/.." && pnpm exec core-run run "$cfg" > "$work/$name-s$seed.log" 2>&1) || { echo "$name-s$seed failed: $work/$name-s$seed.log"; exit 1; }
    echo "done $name-s$seed"
  done
done
node "$here/table.mjs" "$work/runs"
