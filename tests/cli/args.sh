#!/usr/bin/env bash
# Command-line errors: one line naming the flag, exit status 2; help/version.
. "$(dirname "$0")/common.inc"

run -frobnicate;                        expect unknown_flag 2 "'-frobnicate'"
run --frobnicate;                       expect unknown_double_dash_flag 2 "'--frobnicate'"
run disk.img;                           expect positional_argument 2 "'disk.img'"
run -kernel;                            expect missing_argument 2 "-kernel"
run -m abc;                             expect m_malformed 2 "-m abc"
run -m 12Q;                             expect m_bad_suffix 2 "-m 12Q"
run -m 4G;                              expect m_too_large 2 "3 GiB"
run -m 1M;                              expect m_too_small 2 "-m 1M"
run -m 4097K;                           expect m_not_page_multiple 2 "4 KiB"
run -serial bogus;                      expect serial_unknown_backend 2 "-serial"
run -serial tcp:127.0.0.1:notaport,server; expect serial_bad_tcp 2 "tcp"
run -serial tcp:127.0.0.1:4444;         expect serial_tcp_client_mode 2 "server"
run -serial file:;                      expect serial_empty_file 2 "-serial"
run -serial none -serial none -serial none; expect serial_three_ports 2 "two serial ports"
run -debugcon bogus;                    expect debugcon_unknown_backend 2 "-debugcon"
run -device e1000;                      expect device_unsupported 2 "e1000"
run -device isa-debug-exit,iobase=zz;   expect device_bad_option 2 "iobase=zz"
run -device isa-debug-exit,iosize=9;    expect device_bad_iosize 2 "iosize"
run -device pc-testdev,iobase=1;        expect device_testdev_options 2 "takes no options"
run -device pci-testdev,membar=4096;    expect device_pcitestdev_options 2 "takes no options"
run -kernel "$BUILD/tests/asm/smoke.bin" -device pc-testdev -debugcon stdio; expect testdev_debugcon_overlap 1 "overlaps the debug console"
run -display sdl;                       expect display_not_none 2 "-display sdl"
run -d int,bogus;                       expect d_unknown_item 2 "'bogus'"
run -rtc base=yesterday;                expect rtc_bad_base 2 "-rtc base=yesterday"
run -rtc clock=host;                    expect rtc_host_clock 2 "clock=vm"
run -smp 2;                             expect smp_two 2 "-smp 2"
run -machine q35;                       expect machine_q35 2 "-machine q35"
run -net user;                          expect net_user 2 "no network adapter"
run -cpu ,sse3;                         expect cpu_no_model 2 "missing model name"
run -L;                                 expect L_missing 2 "-L: missing argument"
run -pidfile /nonexistent-dir/vd.pid;   expect pidfile_unwritable 1 "-pidfile /nonexistent-dir/vd.pid"
run -icount-limit ten;                  expect icount_malformed 2 "-icount-limit ten"
run -icount-limit 0;                    expect icount_zero 2 "-icount-limit 0"

run -h
if [ "$st" = 0 ] && [[ "$out" == *"-kernel FILE"* ]] && [[ "$out" == *"-icount-limit N"* ]]; then
    pass help; else fail help "status $st"; fi
run --help
[ "$st" = 0 ] && [[ "$out" == usage:* ]] && pass help_long || fail help_long "status $st"
run --version
[ "$st" = 0 ] && [[ "$out" == "vdebug version "* ]] && pass version || fail version "status $st: $out"
run -d help
if [ "$st" = 0 ] && for w in int cpu in_asm exec guest_errors unimp pcall ioport; do
       grep -q "^$w " "$T/out" || exit 1; done; then pass d_help; else fail d_help "status $st: $out"; fi

# QEMU flags a script may carry: -cpu names its model and gets a one-line
# note naming the CPU the guest sees; -name, -net none, -nic none are accepted
run -cpu help
[ "$st" = 0 ] && [[ "$out" == *"family 6 model 6 stepping 3"* ]] && pass cpu_help || fail cpu_help "status $st: $out"
asm cpuq <<'ASM'
%include "mb.inc"
start:
    puts "runs", 10
    EXIT
ASM
run -cpu qemu32,+sse3 -name test -net none -nic none -kernel "$T/cpuq.bin" "${GUEST[@]}"
if [ "$st" = 1 ] && [ "$out" = "runs" ] && [ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] &&
   [[ "$err" == "vdebug: note: -cpu qemu32,+sse3: the guest sees vdebug's one CPU model"* ]]; then pass cpu_model_note
else fail cpu_model_note "status $st, out '$out', err '$err'"; fi
run -cpu vdebug -kernel "$T/cpuq.bin" "${GUEST[@]}"
[ "$st" = 1 ] && [ -z "$err" ] && pass cpu_vdebug_silent || fail cpu_vdebug_silent "status $st: $err"

# -pidfile: the running process's ID, removed at exit
"$VDEBUG" "${ACCEL[@]}" -pidfile "$T/vd.pid" -S -gdb tcp::0 -kernel "$T/cpuq.bin" "${GUEST[@]}" </dev/null >/dev/null 2>&1 &
vpid=$!
for _ in $(seq 100); do [ -s "$T/vd.pid" ] && break; sleep 0.05; done
got=$(cat "$T/vd.pid" 2>/dev/null)
kill "$vpid"; wait "$vpid"
if [ "$got" = "$vpid" ] && [ ! -e "$T/vd.pid" ]; then pass pidfile
else fail pidfile "pidfile '$got', process $vpid, left behind: $(ls "$T/vd.pid" 2>/dev/null)"; fi

# neither -kernel nor -bios: Debian's SeaBIOS, as qemu-system-i386 (its log on 0x402)
if [ -r /usr/share/seabios/bios-256k.bin ]; then
    run -icount-limit 5000000 -serial none -chardev "file,id=f,path=$T/sb.log" -device isa-debugcon,iobase=0x402,chardev=f
    if [ "$st" = 124 ] && head -n 1 "$T/sb.log" | grep -q '^SeaBIOS (version'; then pass no_kernel_no_bios_seabios
    else fail no_kernel_no_bios_seabios "status $st: $err"; fi
    # a bare -bios name is found as QEMU finds it: -L directories, then QEMU's and SeaBIOS's
    mkdir -p "$T/fw" && cp /usr/share/seabios/bios-256k.bin "$T/fw/mine.bin"
    for spec in "-L $T/fw -bios mine.bin" "-bios bios-256k.bin"; do
        # shellcheck disable=SC2086
        run $spec -icount-limit 5000000 -serial none -chardev "file,id=f,path=$T/sb2.log" -device isa-debugcon,iobase=0x402,chardev=f
        if [ "$st" = 124 ] && head -n 1 "$T/sb2.log" | grep -q '^SeaBIOS (version'; then pass "bios_search: $spec"
        else fail "bios_search: $spec" "status $st: $err"; fi
    done
    run -L "$T/nowhere" -bios mine.bin;  expect bios_search_missing 1 "mine.bin"
else
    run;                                expect no_kernel_no_bios_no_seabios 1 "seabios"
fi
finish
