#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the shared real-world workflow corpus (run time only: the
# corpus directories are git-ignored). Usage: fuzz/scripts/seed.sh [N]   (default N=50)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
src="${W3_CORPUS:-$here/../../shared/corpus/real-world}"
[ -d "$src" ] || src=/work/shared/corpus/real-world
n="${1:-50}"
# The N smallest workflow files (top-level .github/workflows copies, not action.yml), so the
# seeds stay far under -max_len and mutations are cheap.
mapfile -t files < <(find "$src" -path "$src/_licenses" -prune -o -type f \( -name '*.yml' -o -name '*.yaml' \) \
    ! -path '*/actions/*' -size -16k -printf '%s %p\n' | sort -n | awk -v n="$n" 'NR % 4 == 0 && c < n { print $2; c++ }')
for t in yaml_front_end lint; do
    mkdir -p "$here/corpus/$t"
    for f in "${files[@]}"; do
        rel="${f#"$src"/}"
        cp "$f" "$here/corpus/$t/${rel//\//__}"
    done
done
# Expressions: the insides of ${{ }} found in those files, one per seed file.
mkdir -p "$here/corpus/expr"
i=0
grep -ohE '\$\{\{[^}]*\}\}' "${files[@]}" | sed -E 's/^\$\{\{ *//; s/ *\}\}$//' | sort -u | head -n 200 |
while IFS= read -r e; do
    printf '%s' "$e" > "$here/corpus/expr/seed-$i"
    i=$((i + 1))
done
echo "seeded: $(ls "$here/corpus/yaml_front_end" | wc -l) workflows, $(ls "$here/corpus/expr" | wc -l) expressions"
