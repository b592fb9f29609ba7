#!/bin/sh
# build.sh EXPORT_DIR CASES_H MODEL OUT_DIR: the firmware of test_main.c with
# the export `MODEL export` wrote to EXPORT_DIR (MODEL_infer.h, MODEL_infer.c)
# and the cases of CASES_H, for a Cortex-M4 (-Os, examples/mcu's startup.c and
# linker script, newlib-nano over semihosting), built in OUT_DIR and run in
# QEMU's mps2-an386 (examples/mcu/run.sh). Prints the arm-none-eabi-size figures of the export and
# of the firmware, the export's undefined symbols (`undefined: ...`), then
# what the firmware prints; exits with its status (124: it ran longer than
# $MCU_TIMEOUT seconds, 120 by default).
#
# build.sh --host EXPORT_DIR CASES_H MODEL OUT_DIR: test_main.c and the export
# built with the host's ${CC:-cc} and run, for the figures to compare.
# build.sh --check: exits 0 if the cross toolchain and QEMU are here.
#
# An export whose header declares NAME_infer_step (a char-lm), NAME_infer_window
# (a series model) or NAME_infer_ids_chars (a char-word classifier) is built
# with -DSEQCC_CHAR_LM, -DSEQCC_WINDOW or -DSEQCC_IDS_CHARS (test_main.c says
# what cases.h holds for each). Exits 77 (a skipped test) if arm-none-eabi-gcc, newlib or
# qemu-system-arm is missing: Debian's gcc-arm-none-eabi,
# libnewlib-arm-none-eabi and qemu-system-arm.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
mcu=$here/../../examples/mcu
warnings="-std=c99 -Wall -Wextra -Wpedantic -Werror -Wdouble-promotion"

check() {
    for tool in arm-none-eabi-gcc arm-none-eabi-size arm-none-eabi-nm qemu-system-arm timeout; do
        if ! command -v "$tool" > /dev/null 2>&1; then
            echo "build.sh: $tool is missing (gcc-arm-none-eabi, qemu-system-arm)" >&2
            exit 77
        fi
    done
    if [ ! -e "$(arm-none-eabi-gcc -print-file-name=rdimon.specs)" ]; then
        echo "build.sh: newlib is missing (libnewlib-arm-none-eabi)" >&2
        exit 77
    fi
}

host=0
case "${1:-}" in
    --check) check; exit 0 ;;
    --host) host=1; shift ;;
esac
if [ $# -ne 4 ]; then
    echo "usage: build.sh [--host] EXPORT_DIR CASES_H MODEL OUT_DIR | --check" >&2
    exit 2
fi
export_dir=$1 cases=$2 model=$3 out=$4
upper=$(printf '%s' "$model" | LC_ALL=C tr '[:lower:]' '[:upper:]')
mkdir -p "$out"
defs="-DSEQCC_MODEL=$model -DSEQCC_MODEL_UPPER=$upper"
# the kind of model, from the functions its header declares
header=$export_dir/${model}_infer.h
if grep -q "${model}_infer_step(" "$header"; then
    defs="$defs -DSEQCC_CHAR_LM"
elif grep -q "${model}_infer_window(" "$header"; then
    defs="$defs -DSEQCC_WINDOW"
elif grep -q "${model}_infer_ids_chars(" "$header"; then
    defs="$defs -DSEQCC_IDS_CHARS"
fi
includes="-I$export_dir -I$(dirname "$cases") -I$mcu"
# cases.h under the name test_main.c includes, whatever CASES_H is called
if [ "$(basename "$cases")" != cases.h ]; then
    cp "$cases" "$out/cases.h"
    includes="-I$export_dir -I$out -I$mcu"
fi

if [ $host -eq 1 ]; then
    # shellcheck disable=SC2086 # the word lists split on purpose
    ${CC:-cc} $warnings -O2 -DSEQCC_MCU_HOST $defs $includes \
        "$here/test_main.c" "$export_dir/${model}_infer.c" -lm -o "$out/host"
    exec "$out/host"
fi

check
cpu="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
# nano.specs at compile time too: its headers match its library
cflags="$cpu -Os -ffunction-sections -fdata-sections --specs=nano.specs $warnings"
# shellcheck disable=SC2086
{
    arm-none-eabi-gcc $cflags -c "$export_dir/${model}_infer.c" -I"$export_dir" -o "$out/${model}_infer.o"
    arm-none-eabi-gcc $cflags $defs $includes -c "$here/test_main.c" -o "$out/test_main.o"
    arm-none-eabi-gcc $cflags -I"$mcu" -c "$mcu/startup.c" -o "$out/startup.o"
    arm-none-eabi-gcc $cpu --specs=nano.specs --specs=rdimon.specs -nostartfiles \
        -T "$mcu/mps2_an386.ld" -Wl,--gc-sections -Wl,-Map="$out/firmware.map" \
        "$out/startup.o" "$out/test_main.o" "$out/${model}_infer.o" -lm -o "$out/firmware.elf"
}
# text: code and constants (flash); data: flash and RAM; bss: RAM (the
# firmware's includes its 64 KB stack)
arm-none-eabi-size "$out/${model}_infer.o" "$out/firmware.elf"
arm-none-eabi-nm -u "$out/${model}_infer.o" |
    awk 'BEGIN { printf "undefined:" } { printf " %s", $2 } END { print "" }'
exec sh "$mcu/run.sh" "$out/firmware.elf"
