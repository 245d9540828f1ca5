#!/bin/bash
# A fake program on PATH (kind, kubectl, helm, gcloud, docker): sends its name, folder, KUBECONFIG, HOME, arguments
# and (for `-`) stdin to the fakes server on loopback, and prints what it answers. Written as bash builtins only
# (no command substitution, no other program) so a call costs one bash start, not a Node start-up.
NAME=__NAME__
# Bytes, not characters: lengths are counted and read in bytes.
LC_ALL=C
exec 3<>"/dev/tcp/127.0.0.1/${FAKE_PORT:?FAKE_PORT is not set}" || exit 99
input=''
for arg in "$@"; do
  # All of stdin, as it is (read stops at end of input and answers 1 there).
  if [ "$arg" = - ]; then IFS= read -r -d '' input; break; fi
done
printf '%s\0' "$NAME" "$PWD" "${KUBECONFIG-}" "${HOME-}" "$#" "$@" "${#input}" >&3
printf '%s' "$input" >&3
# The answer: `exit-code stdout-bytes stderr-bytes`, then stdout and stderr as they are.
IFS=' ' read -r code outlen errlen <&3
out=''
err=''
if ((outlen > 0)); then IFS= read -r -N "$outlen" out <&3; fi
if ((errlen > 0)); then IFS= read -r -N "$errlen" err <&3; fi
printf '%s' "$out"
printf '%s' "$err" >&2
exit "$code"
