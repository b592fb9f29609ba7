#!/bin/sh
# run.sh FIRMWARE.elf: runs the firmware on QEMU's mps2-an386 (a Cortex-M4),
# its printf on this terminal over semihosting; exits with the status main
# returned (124 if it runs longer than $MCU_TIMEOUT seconds, 120 by default).
set -eu
if [ $# -ne 1 ]; then
    echo "usage: run.sh FIRMWARE.elf" >&2
    exit 2
fi
exec timeout "${MCU_TIMEOUT:-120}" qemu-system-arm -M mps2-an386 -cpu cortex-m4 \
    -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$1"
