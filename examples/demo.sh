#!/usr/bin/env bash
# The giftbalance demo: the Rivera household from examples/README.md, loaded into a throwaway
# database, then this week's report on the terminal and as an HTML page, a burn-down chart
# and a calendar file.
#
#   bash examples/demo.sh [OUTPUT_FOLDER]        (default: demo-output; `make demo` runs it)
#
# Everything goes into OUTPUT_FOLDER: the database (demo.db), its claim-code key (config/),
# the dated copies of the example files (data/) and the three files the report writes. Your
# own giftbalance database is never touched: every command below uses GIFTBALANCE_DB.
#
# Dates: examples/*.csv tell the story as of Wednesday 2026-11-25 (STORY_DAY). So that the
# demo means something whenever it runs, every date in them is moved by whole weeks to the
# week you run it in, and the few dates typed below are relative to today. Set
# GIFTBALANCE_TODAY=2026-11-25 to replay the story exactly as written.
set -euo pipefail

STORY_DAY=2026-11-25
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-demo-output}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

command -v giftbalance >/dev/null || {
    echo "demo.sh: giftbalance is not on PATH (run: make demo, or activate .venv)" >&2
    exit 1
}

export GIFTBALANCE_DB="$out/demo.db"
export GIFTBALANCE_CONFIG_DIR="$out/config"
export MPLCONFIGDIR="$out/config/matplotlib"
rm -f "$out/demo.db" "$out/demo.db-wal" "$out/demo.db-shm" \
    "$out/report.html" "$out/burn-down.png" "$out/orders.ics"
mkdir -p "$out/data"

today="${GIFTBALANCE_TODAY:-$(date +%F)}"
export GIFTBALANCE_TODAY="$today"

# day N: the date N days from today (negative: in the past).
day() { date -d "$today $1 days" +%F; }
monday() { date -d "$1 -$(($(date -d "$1" +%u) - 1)) days" +%F; }
shift_days=$((($(date -d "$(monday "$today")" +%s) - $(date -d "$(monday "$STORY_DAY")" +%s)) / 86400))

# Copy a CSV file, moving every YYYY-MM-DD in it by shift_days. Shifted dates are written
# with underscores first, so a date is never moved twice, then turned back into dashes.
shift_dates() {
    local script=""
    while read -r d; do
        script+="s/$d/$(date -d "$d $shift_days days" +%Y_%m_%d)/g;"
    done < <(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$1" | sort -u)
    sed -e "$script" -e 's/\([0-9]\{4\}\)_\([0-9][0-9]\)_\([0-9][0-9]\)/\1-\2-\3/g' "$1" > "$2"
}
shift_dates "$here/ledger.csv" "$out/data/ledger.csv"
shift_dates "$here/needs.csv" "$out/data/needs.csv"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
# Show a command as you would type it (quoting only the words that need it), then run it.
show() {
    local word line=""
    for word in "$@"; do
        if [[ $word =~ ^[A-Za-z0-9_./:=@,+-]+$ ]]; then line+=" $word"; else line+=" ${word@Q}"; fi
    done
    printf '%s' "${line# }"
}
run() { step "giftbalance $(show "$@")"; giftbalance "$@"; }

echo "giftbalance demo: the Rivera household (examples/README.md) in a throwaway database,"
echo "$GIFTBALANCE_DB; dates moved to this week (story day $STORY_DAY, today $today)."

# 1. The two store accounts. The $150 card meant for Family landed on Work.
run account add Family --store amazon.com --currency USD --tax-rate 8.875 --default \
    --note "the household's account"
run account add Work --store amazon.com --currency USD --tax-rate 8.875 \
    --note "Alex's work account: a family card was redeemed here by mistake"

# 2. The people the orders are for.
run member add Maya --note "12, school supplies and clothes"
run member add Leo --note "6"

# 3. Four months of redemptions and spends, from the ledger CSV (all or nothing).
run import "$out/data/ledger.csv"

# 4. What the household needs: a dozen things, two of them recurring.
run need import "$out/data/needs.csv"

# Two of them were already bought (needs 1 and 2 of the file): record them, so the spends
# are in the ledger and the report knows who they were for.
run need bought 1 --date "$(day -12)"
run need bought 2 --date "$(day -8)"

# A store promotion that expires in a couple of weeks: the plan spends it first.
run add 20.00 --account Family --from "store promotion" --date "$(day -5)" \
    --expires "$(day 16)" --yes

# 5. The chat with the store's support about the card on the wrong account: still pending.
run contact add --channel chat --when "$(day -50) 18:30" --account Work --rep "Jordan" \
    --case "CS-48213" --outcome pending \
    --summary "Asked to move the 150.00 holiday card from Work to Family; told balances cannot move between accounts; asked for an escalation"

# 6. This week's report, then the same as a page, a chart and a calendar file.
step "giftbalance report"
giftbalance report
step "giftbalance report --format html --output report.html --chart burn-down.png --ics orders.ics"
giftbalance report --format html --output "$out/report.html" \
    --chart "$out/burn-down.png" --ics "$out/orders.ics" >/dev/null

cat <<EOF

Demo files in $out:
  report.html    this week's report as a page (open it in a browser, or on a phone)
  burn-down.png  the balance so far and the plan's projection, per account
  orders.ics     one calendar event per planned order, with a morning reminder, and the
                 expiry dates with alarms 30, 7 and 1 days before
  demo.db        the demo database: try  GIFTBALANCE_DB=$out/demo.db giftbalance plan
EOF
