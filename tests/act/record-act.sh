#!/usr/bin/env bash
# record-act.sh WORKFLOW.yml...
# Runs each workflow through act (host mode: `act push -P ubuntu-latest=-self-hosted`) in a fresh
# temporary git repository holding only that workflow (and the files of the directory NAME/ beside
# it, when there is one: actions the workflow uses), and writes NAME.expected beside it: the
# step output lines that start with "OUT:", sorted, then "EXIT:<code>". This is how the committed
# expectations are made; see README.md for the ones that follow GitHub's documentation instead.
set -u
act=${ACT:-$HOME/.cache/w3-reference-tools/bin/act}
[ -x "$act" ] || { echo "act not found at $act (set ACT)" >&2; exit 2; }
for wf in "$@"; do
  wf=$(realpath "$wf")
  d=$(mktemp -d)
  mkdir -p "$d/.github/workflows"
  cp "$wf" "$d/.github/workflows/"
  [ -d "${wf%.yml}" ] && cp -r "${wf%.yml}/." "$d/"
  (cd "$d" && git init -q -b main && git -c user.email=t@t -c user.name=t add -A &&
    git -c user.email=t@t -c user.name=t commit -qm init) >/dev/null 2>&1
  out=$(cd "$d" && timeout 300 "$act" push -P ubuntu-latest=-self-hosted -W ".github/workflows/$(basename "$wf")" 2>&1)
  rc=$?
  rm -rf "$d"
  {
    printf '%s\n' "$out" | grep -oE '(^|\| )OUT:.*' | sed -E 's/^\| //; s/[[:space:]]+$//' | LC_ALL=C sort
    echo "EXIT:$rc"
  } >"${wf%.yml}.expected"
  echo "recorded ${wf%.yml}.expected"
done
