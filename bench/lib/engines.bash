# Engine selection shared by the bench scripts (sourced).
#
#   BENCH_ENGINES  vdebug engines to time, in this order (default "dbt interp").
#                  Each word is passed as `-accel WORD`, so options ride
#                  along: BENCH_ENGINES="dbt dbt,verify=on interp".
#   BENCH_ACCEL    the option that selects the engine (default "-accel").
#                  Set it empty for a vdebug that predates the option: no
#                  option is passed and every engine row runs that binary's
#                  only engine (the scripts say so in their header).
#
#   engine_args ENGINE   sets the array ENGINE_ARGS to the vdebug arguments
#   engines_note         prints a warning line when BENCH_ACCEL is empty
read -r -a ENGINES <<<"${BENCH_ENGINES:-dbt interp}"
[ "${#ENGINES[@]}" -gt 0 ] || ENGINES=(dbt interp)
ACCEL_OPT=${BENCH_ACCEL--accel}

# shellcheck disable=SC2034  # ENGINE_ARGS is for the caller
engine_args() {
    ENGINE_ARGS=()
    if [ -n "$ACCEL_OPT" ]; then ENGINE_ARGS=("$ACCEL_OPT" "$1"); fi
}

engines_note() {
    [ -n "$ACCEL_OPT" ] ||
        echo "bench: NOTE: BENCH_ACCEL is empty: no engine option passed, the rows labelled ${ENGINES[*]} all run vdebug's default engine"
}
