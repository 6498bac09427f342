#!/bin/sh
# Regenerates the holiday tables into OUT_DIR with generate.py and compares
# them, and the us copy, byte for byte with the committed ones (the ctest
# holiday_tables_reproducible). Exit 77 (skipped) when PYTHON3 is empty or
# has no `holidays` module, or one of another version than the tables record.
#
#   check_tables.sh PYTHON3 OUT_DIR REF_DIR US_COPY
set -u
python=$1 out=$2 ref=$3 us_copy=$4

if [ -z "$python" ] || ! "$python" -c 'import holidays' 2>/dev/null; then
    echo "skipped: no python3 with the holidays module (Debian: python3-holidays)"
    exit 77
fi
installed=$("$python" -c 'import holidays; print(holidays.__version__)') || exit 1
# index.csv: name,region,first_year,last_year,holidays,source,generated
recorded=$(sed -n '2s/^.*,python-holidays \([^,]*\),[^,]*$/\1/p' "$ref/index.csv")
generated=$(sed -n '2s/^.*,\([^,]*\)$/\1/p' "$ref/index.csv")
# The span asked for: the earliest first year and the latest last year.
first=$(awk -F, 'NR > 1 && (f == "" || $3 < f) { f = $3 } END { print f }' "$ref/index.csv")
last=$(awk -F, 'NR > 1 && $4 > l { l = $4 } END { print l }' "$ref/index.csv")
if [ "$installed" != "$recorded" ]; then
    echo "skipped: the tables were made with holidays $recorded; python3 has $installed"
    exit 77
fi

rm -rf "$out" && mkdir -p "$out" || exit 1
"$python" "$ref/generate.py" --first "$first" --last "$last" --generated "$generated" \
    --us-copy "$out/us_holidays.csv" "$out/tables" || exit 1
status=0
# Every committed table is regenerated, and nothing else is written.
if ! diff -r -q -x generate.py -x check_tables.sh -x __pycache__ "$out/tables" "$ref"; then
    status=1
fi
if ! cmp "$out/us_holidays.csv" "$us_copy"; then
    status=1
fi
if [ $status -ne 0 ]; then
    echo "regenerated holiday tables differ from the committed ones in $ref; if generate.py"
    echo "changed on purpose, run cmake --build <build> --target holiday-tables and commit"
    exit 1
fi
echo "holiday tables reproduced byte for byte (holidays $installed, years $first-$last)"
