#!/usr/bin/env bash
# bench/run.sh - vigil's throughput benchmark (`make bench` runs `bench/run.sh build`).
#
#   bench/run.sh [BUILD_DIR]          BUILD_DIR defaults to "build"
#
# Makes bench/data/bench-10M.pcap with bench/gen_capture if it is missing or older than
# bench/gen_capture.c (about 5 s, 1.3 GB), reads it once to put it in the page cache, then times,
# on that one file:
#   cat F > /dev/null             the cost of getting the bytes at all
#   bare_reader F                 read() into 1 MiB, touch ethertype + IP protocol: the limit
#   bare_reader --mmap F          the same over mmap + MADV_SEQUENTIAL
#   tcpdump -n -r F 'tcp port 1'  a peer reading every packet (PEERS.md: 8.0 Mpps), if installed
#   BUILD_DIR/vigil read F        the real thing (a row of n/a while the binary does not exist)
#   ... with the threat intelligence of the tests loaded (--intel tests/data/c2)
#   ... with 1,000,000 indicators (bench/intel_bench's list), and their load alone (intel check)
#   ... on two threads (--workers 2)
#   ... decode + flows only (every detector and the app stage off), then with each stage
#   alone: the app stage, each detector (c2 and dga with the app stage, which they read);
#   a stage's cost in ns/packet is its run minus the decode + flows run (for c2 and dga,
#   minus the app stage's run), these runs interleaved (each round runs every configuration
#   once: the machine's drift falls on all alike)
# Each command runs once to warm up, then VG_BENCH_RUNS times (default 5); the table gives the
# median wall time as Mpps and ns/packet, the largest peak RSS (/usr/bin/time -f %M), and
# instructions per packet when `perf stat` can count them. For vigil it also gives the
# `packets`, `flows` and `flow.bytes_per_flow` lines of its summary, and the ratio of its packet
# rate to bare_reader's. The markdown table goes to stdout, progress to stderr.
#
# Environment: VG_BENCH_RUNS (timed runs per command, default 5), VG_BENCH_PCAP (another capture
# to use instead; it is not generated), CC (compiler for the fallback build below).
#
# Limits: wall time includes process start-up (about a millisecond, well under 1% here); the
# machine is whatever this runs on, so compare only rows from the same run (see
# ../shared/PEERS.md for why: ±30% between runs on shared machines).

set -euo pipefail
# Throughput and crash runs store nothing (vigil read stores in ./vigil.db by default).
export VIGIL_STORE=none

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$bench_dir")
build_arg=${1:-build}
runs=${VG_BENCH_RUNS:-5}

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "run.sh: $*" >&2; }

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "VG_BENCH_RUNS must be a positive number, not '$runs'"
[[ -d $build_arg ]] || { [[ -d $repo_dir/$build_arg ]] && build_arg=$repo_dir/$build_arg; }
build_dir=$(cd "$build_arg" 2>/dev/null && pwd) ||
	die "build directory '$build_arg' not found (run: meson setup $build_arg)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the two bench programs: from the meson build, else compiled here -------------------------
gen=$build_dir/bench/gen_capture
bare=$build_dir/bench/bare_reader
if [[ ! -x $gen || ! -x $bare ]] && [[ -f $build_dir/build.ninja ]]; then
	ninja -C "$build_dir" bench/gen_capture bench/bare_reader >&2 || true
fi
if [[ ! -x $gen || ! -x $bare ]]; then
	note "bench programs not in $build_dir/bench; compiling them with ${CC:-cc}"
	fallback=$build_dir/bench-standalone
	mkdir -p "$fallback"
	for p in gen_capture bare_reader; do
		if [[ ! -x $fallback/$p || $bench_dir/$p.c -nt $fallback/$p ]]; then
			"${CC:-cc}" -O2 -std=c11 -Wall -Wextra -o "$fallback/$p" "$bench_dir/$p.c"
		fi
	done
	gen=$fallback/gen_capture
	bare=$fallback/bare_reader
fi

# --- the capture ---------------------------------------------------------------------------------
if [[ -n ${VG_BENCH_PCAP:-} ]]; then
	pcap=$VG_BENCH_PCAP
	[[ -r $pcap ]] || die "$pcap: not readable"
else
	pcap=$bench_dir/data/bench-10M.pcap
	# Regenerate only when the generator's source changed: its output depends on nothing else.
	if [[ ! -s $pcap || $bench_dir/gen_capture.c -nt $pcap ]]; then
		mkdir -p "$bench_dir/data"
		note "generating $pcap (10M packets, seed 1, snaplen 256)"
		"$gen" --packets 10000000 --seed 1 --snaplen 256 "$pcap.tmp" 2>"$pcap.txt.tmp" ||
			{ cat "$pcap.txt.tmp" >&2; rm -f "$pcap.tmp"; die "gen_capture failed"; }
		mv "$pcap.tmp" "$pcap"
		mv "$pcap.txt.tmp" "$pcap.txt"
		cat "$pcap.txt" >&2
	fi
fi
note "warming the page cache with $pcap"
cat "$pcap" >/dev/null

# --- measuring -----------------------------------------------------------------------------------
have_time=0
if [[ -x /usr/bin/time ]]; then
	have_time=1
else
	note "/usr/bin/time is missing: peak RSS is not measured"
fi

have_perf=0
if command -v perf >/dev/null 2>&1 &&
	perf stat -x, -e instructions -o "$tmp/perf.probe" -- true >/dev/null 2>&1 &&
	grep -qE '^[0-9]+,' "$tmp/perf.probe"; then
	have_perf=1
else
	note "perf cannot count instructions here: instructions/packet is not measured"
fi

now_us() { local t=$EPOCHREALTIME; echo "${t//[!0-9]/}"; }

# run_timed NAME STDOUT_FILE CMD...: warm-up, then $runs timed runs. Sets r_wall_us (median),
# r_rss_kib (largest) and r_ok; the last run's stdout is in STDOUT_FILE (or /dev/null).
run_timed() {
	local name=$1 out=$2
	shift 2
	local -a walls=()
	local i t0 t1 rss
	r_ok=1
	r_rss_kib=0
	for ((i = 0; i <= runs; i++)); do
		local -a wrap=()
		((have_time)) && wrap=(/usr/bin/time -f %M -o "$tmp/rss")
		local rc=0
		t0=$(now_us)
		"${wrap[@]}" "$@" >"$out" 2>"$tmp/stderr" || rc=$?
		t1=$(now_us)
		if ((rc != 0)); then
			note "$name failed (exit status $rc):"
			head -5 "$tmp/stderr" >&2
			r_ok=0
			return 0
		fi
		((i == 0)) && continue # warm-up
		walls+=($((t1 - t0)))
		if ((have_time)); then
			rss=$(tail -1 "$tmp/rss")
			[[ $rss =~ ^[0-9]+$ ]] && ((rss > r_rss_kib)) && r_rss_kib=$rss
		fi
	done
	r_wall_us=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
	note "$name: median $((r_wall_us / 1000)) ms of ${walls[*]} us"
}

# instructions_per_packet CMD...: one run under perf stat; prints a number or n/a.
instructions_per_packet() {
	((have_perf)) || { echo n/a; return 0; }
	if perf stat -x, -e instructions -o "$tmp/perf" -- "$@" >/dev/null 2>&1; then
		awk -F, -v n="$packets" '$3 ~ /^instructions/ && $1 ~ /^[0-9]+$/ {printf "%.0f", $1 / n; f = 1}
			END {if (!f) printf "n/a"}' "$tmp/perf"
	else
		echo n/a
	fi
}

# summary_value FILE KEY: the value of a "KEY: value" line, or n/a.
summary_value() {
	awk -v k="$2" 'index($0, k ": ") == 1 {v = substr($0, length(k) + 3); gsub(/^[ \t]+|[ \t]+$/, "", v); print v; f = 1; exit}
		END {if (!f) print "n/a"}' "$1"
}

mpps() { awk -v n="$packets" -v us="$1" 'BEGIN {printf "%.2f", n / us}'; }
ns_per_packet() { awk -v n="$packets" -v us="$1" 'BEGIN {printf "%.1f", us * 1000 / n}'; }
rss_text() {
	if ((have_time)) && (($1 > 0)); then
		awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'
	else
		echo n/a
	fi
}

# The file's packet count, from the bare reader (also the ground truth vigil is checked against).
"$bare" "$pcap" >"$tmp/count" || die "bare_reader could not read $pcap"
packets=$(summary_value "$tmp/count" packets)
[[ $packets =~ ^[1-9][0-9]*$ ]] || die "bare_reader found no packets in $pcap"

rows=()
det_rows=()
add_row() { rows+=("| $1 | \`$2\` | $3 | $4 | $5 | $6 | $7 | $8 | $9 |"); }

run_timed cat /dev/null cat "$pcap"
((r_ok)) || die "cat $pcap failed"
add_row "cat" "cat F > /dev/null" "$(mpps "$r_wall_us")" "$(ns_per_packet "$r_wall_us")" \
	"$((r_wall_us / 1000))" "$(rss_text "$r_rss_kib")" "n/a" "n/a" "n/a"

bare_mpps=
for mode in read mmap; do
	args=()
	[[ $mode == mmap ]] && args=(--mmap)
	run_timed "bare_reader ($mode)" "$tmp/bare.out" "$bare" "${args[@]}" "$pcap"
	if ((r_ok)); then
		m=$(mpps "$r_wall_us")
		[[ $mode == read ]] && bare_mpps=$m
		add_row "bare_reader ($mode)" "bare_reader ${args[*]:+${args[*]} }F" "$m" \
			"$(ns_per_packet "$r_wall_us")" "$((r_wall_us / 1000))" "$(rss_text "$r_rss_kib")" \
			"$(instructions_per_packet "$bare" "${args[@]}" "$pcap")" "n/a" "n/a"
	else
		add_row "bare_reader ($mode)" "bare_reader ${args[*]:+${args[*]} }F" n/a n/a n/a n/a n/a n/a n/a
	fi
done

# A peer on the same file: tcpdump reading every packet through a filter that matches none
# (../shared/PEERS.md measured it at 8.0 Mpps on this kind of machine: the issues' 8 Mpps line).
tcpdump_mpps=
if command -v tcpdump >/dev/null 2>&1; then
	run_timed "tcpdump" /dev/null tcpdump -n -r "$pcap" 'tcp port 1'
	if ((r_ok)); then
		tcpdump_mpps=$(mpps "$r_wall_us")
		add_row "tcpdump $(tcpdump --version 2>&1 | awk 'NR == 1 {print $3}'), a filter matching nothing" \
			"tcpdump -n -r F 'tcp port 1'" "$tcpdump_mpps" "$(ns_per_packet "$r_wall_us")" \
			"$((r_wall_us / 1000))" "$(rss_text "$r_rss_kib")" n/a n/a n/a
	fi
else
	note "tcpdump is missing (make deps installs it): no peer row"
fi

vigil=$build_dir/vigil
vigil_mpps=
vigil_note=
if [[ ! -x $vigil ]]; then
	vigil_note="vigil not found at $vigil: build it first (meson compile -C $build_arg)"
	note "$vigil_note"
	add_row "vigil read" "vigil read F" n/a n/a n/a n/a n/a n/a n/a
else
	run_timed "vigil read" "$tmp/vigil.out" "$vigil" read "$pcap"
	if ((r_ok)); then
		# The summary is expected on stdout; look at stderr too in case it moved there.
		cat "$tmp/vigil.out" "$tmp/stderr" >"$tmp/vigil.summary"
		v_packets=$(summary_value "$tmp/vigil.summary" packets)
		[[ $v_packets != "$packets" ]] &&
			vigil_note="vigil counted $v_packets packets, the file holds $packets"
		vigil_mpps=$(mpps "$r_wall_us")
		add_row "vigil read" "vigil read F" "$vigil_mpps" "$(ns_per_packet "$r_wall_us")" \
			"$((r_wall_us / 1000))" "$(rss_text "$r_rss_kib")" \
			"$(instructions_per_packet "$vigil" read "$pcap")" \
			"$(summary_value "$tmp/vigil.summary" flows)" \
			"$(summary_value "$tmp/vigil.summary" flow.bytes_per_flow)"
	else
		vigil_note="vigil read failed; see the messages above"
		add_row "vigil read" "vigil read F" n/a n/a n/a n/a n/a n/a n/a
	fi
	# The detectors' cost: the same run without any, then with each alone. The cost of a
	# detector is its row's ns/packet minus the no-detector row's (both from this run).
	# The same run on two threads (vigil read --workers 2): its speed-up
	# over one, and each worker's CPU time from its summary.
	if [[ -n $vigil_mpps ]]; then
		one_us=$r_wall_us
		run_timed "vigil read --workers 2" "$tmp/w2.out" "$vigil" read --workers 2 "$pcap"
		if ((r_ok)); then
			w2_mpps=$(mpps "$r_wall_us")
			add_row "vigil read --workers 2" "vigil read --workers 2 F" "$w2_mpps" \
				"$(ns_per_packet "$r_wall_us")" "$((r_wall_us / 1000))" "$(rss_text "$r_rss_kib")" \
				n/a "$(summary_value "$tmp/w2.out" flows)" n/a
			workers_line=$(awk -v a="$one_us" -v b="$r_wall_us" 'BEGIN {printf "vigil read --workers 2 runs %.2fx as fast as one thread", a / b}')
			workers_line+=" (CPU seconds: worker 0 $(summary_value "$tmp/w2.out" '  worker.0.cpu_s'), worker 1 $(summary_value "$tmp/w2.out" '  worker.1.cpu_s'), merger $(summary_value "$tmp/w2.out" '  merge.cpu_s'))"
		fi
		r_ok=1
		r_wall_us=$one_us
	fi
	if ((r_ok)); then
		run_timed "vigil read --intel" /dev/null "$vigil" read -q --intel "$repo_dir/tests/data/c2" "$pcap"
		if ((r_ok)); then
			add_row "vigil read --intel tests/data/c2" "vigil read --intel tests/data/c2 F" \
				"$(mpps "$r_wall_us")" "$(ns_per_packet "$r_wall_us")" "$((r_wall_us / 1000))" \
				"$(rss_text "$r_rss_kib")" n/a n/a n/a
		fi
		# A large intelligence set: bench/intel_bench's 1,000,000 mixed indicators (IPv4, IPv6,
		# domains; fixed seed), whose addresses match many of the capture's flows. Its load alone
		# in the next row (vigil intel check of the list's first indicator: the load and one
		# lookup; intel stats would add its own counting): the first row includes it.
		intel_gen=$build_dir/bench/intel_bench
		if [[ -x $intel_gen ]] && mkdir -p "$tmp/intel" &&
			"$intel_gen" 1000000 "$tmp/intel" >/dev/null 2>&1 && [[ -s $tmp/intel/mixed.txt ]]; then
			run_timed "vigil read --intel (1 M)" "$tmp/big.out" "$vigil" read --intel "$tmp/intel/mixed.txt" "$pcap"
			if ((r_ok)); then
				big_intel_mpps=$(mpps "$r_wall_us")
				add_row "vigil read --intel, 1,000,000 indicators ($(summary_value "$tmp/big.out" attacks) attacks)" \
					"vigil read --intel mixed.txt F" "$big_intel_mpps" "$(ns_per_packet "$r_wall_us")" \
					"$((r_wall_us / 1000))" "$(rss_text "$r_rss_kib")" n/a n/a n/a
				first=$(grep -v -m1 '^#' "$tmp/intel/mixed.txt")
				run_timed "vigil intel check (1 M)" /dev/null "$vigil" intel check -q --intel "$tmp/intel/mixed.txt" "$first"
				((r_ok)) && add_row "... its load alone" "vigil intel check -q --intel mixed.txt $first" n/a n/a \
					"$((r_wall_us / 1000))" "$(rss_text "$r_rss_kib")" n/a n/a n/a
			fi
		else
			note "bench/intel_bench is missing or failed: no row with 1,000,000 indicators"
		fi
		r_ok=1
		dets=(scan brute flood beacon exfil c2 dga)
		off=(--set app.enabled=0)
		for d in "${dets[@]}"; do off+=(--set "detect.$d.enabled=0"); done
		run_timed "vigil read, decode + flows" /dev/null "$vigil" read -q "${off[@]}" "$pcap"
		if ((r_ok)); then
			none_us=$r_wall_us
			none_mpps=$(mpps "$none_us")
			add_row "vigil read, decode + flows (no detector, no app stage)" "vigil read -q ${off[*]} F" \
				"$none_mpps" "$(ns_per_packet "$none_us")" "$((none_us / 1000))" "$(rss_text "$r_rss_kib")" \
				n/a n/a n/a
			# Each stage's cost, interleaved: every round runs each configuration once (decode +
			# flows, the default, each stage alone over decode + flows), so the machine's drift
			# over the minutes the rounds take falls on all of them alike; timed one after the
			# other, rows seconds apart differed by as much as a stage costs.
			st_label=("decode + flows" "all (the default)")
			st_args=("${off[*]}" "")
			st_base=(0 0) # the row a stage's cost is counted over
			for d in app "${dets[@]}"; do
				# The stage alone: its switch turned back on (c2 and dga with the app stage).
				one=("${off[@]}")
				if [[ $d == app ]]; then
					one=("${one[@]/app.enabled=0/app.enabled=1}")
					st_label+=("app stage")
					st_base+=(0)
				else
					one=("${one[@]/detect.$d.enabled=0/detect.$d.enabled=1}")
					if [[ $d == c2 || $d == dga ]]; then
						one=("${one[@]/app.enabled=0/app.enabled=1}")
						st_label+=("$d (over the app stage's run)")
						st_base+=(2)
					else
						st_label+=("$d")
						st_base+=(0)
					fi
				fi
				st_args+=("${one[*]}")
			done
			st_walls=()
			st_fail=()
			for ((r = 0; r <= runs; r++)); do # round 0 warms up
				for i in "${!st_args[@]}"; do
					t0=$(now_us)
					# shellcheck disable=SC2086 # the --set arguments hold no spaces
					if ! "$vigil" read -q ${st_args[i]} "$pcap" >/dev/null 2>"$tmp/stderr"; then
						[[ -n ${st_fail[i]:-} ]] || note "vigil read ${st_args[i]} failed: $(head -1 "$tmp/stderr")"
						st_fail[i]=1
					fi
					t1=$(now_us)
					((r)) && st_walls[i]+="$((t1 - t0)) "
				done
				note "stages, interleaved: round $r of $runs done"
			done
			st_us=()
			for i in "${!st_args[@]}"; do
				# shellcheck disable=SC2086 # a list of numbers
				st_us[i]=$(printf '%s\n' ${st_walls[i]} | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
			done
			det_rows=()
			for i in "${!st_args[@]}"; do
				((i > 0)) || continue
				[[ -z ${st_fail[i]:-} && -z ${st_fail[${st_base[i]}]:-} ]] || continue
				det_rows+=("| ${st_label[i]} | $(ns_per_packet "${st_us[i]}") | $(awk -v a="${st_us[i]}" -v z="${st_us[${st_base[i]}]}" -v n="$packets" 'BEGIN {printf "%.1f", (a - z) * 1000 / n}') |")
			done
		fi
	fi
fi

# --- the report ----------------------------------------------------------------------------------
model=$(lscpu 2>/dev/null | awk -F: '/^Model name/ {gsub(/^[ \t]+/, "", $2); print $2; exit}')
echo "vigil benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: ${model:-unknown CPU}, $(nproc) CPUs, $(uname -sr)"
echo "- capture: \`$pcap\`, $packets packets, $(stat -c %s "$pcap") bytes, from the page cache"
echo "- median of $runs runs after one warm-up; peak RSS is the largest of those runs (with mmap it"
echo "  counts the mapped file's pages)"
echo
echo "| what | command | Mpps | ns/packet | wall ms | peak RSS | instr/packet | flows | bytes/flow |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
[[ -n ${workers_line:-} ]] && echo "$workers_line" && echo
if [[ -n $vigil_mpps && -n $bare_mpps ]]; then
	awk -v v="$vigil_mpps" -v b="$bare_mpps" \
		'BEGIN {printf "vigil read runs at %.3f of the limit: %.2f / %.2f Mpps (bare_reader, read, is %.1fx faster)\n", v / b, v, b, b / v}'
else
	echo "vigil read runs at n/a of the limit (bare_reader, read)"
fi
if [[ -n $vigil_mpps && -n $tcpdump_mpps ]]; then
	awk -v v="$vigil_mpps" -v t="$tcpdump_mpps" -v i="${big_intel_mpps:-}" \
		'BEGIN {printf "vigil read runs at %.2f of tcpdump'"'"'s rate (%.2f / %.2f Mpps)", v / t, v, t
			if (i != "") printf "; with 1,000,000 indicators at %.2f (%.2f Mpps)", i / t, i
			printf "\n"}'
fi
if [[ -n ${none_mpps:-} && -n $bare_mpps ]]; then
	awk -v v="$none_mpps" -v b="$bare_mpps" \
		'BEGIN {printf "decode + flows run at %.3f of the limit: %.2f / %.2f Mpps\n", v / b, v, b}'
fi
if ((${#det_rows[@]})); then
	echo
	echo "Each stage's cost (vigil read with only that stage on, minus decode + flows alone), measured"
	echo "interleaved: $runs rounds after a warm-up, each running every configuration once; medians:"
	echo
	echo "| stages | ns/packet | cost ns/packet |"
	echo "|---|---|---|"
	echo "| decode + flows | $(ns_per_packet "${st_us[0]}") | 0 |"
	printf '%s\n' "${det_rows[@]}"
fi
[[ -n $vigil_note ]] && echo && echo "note: $vigil_note"
exit 0
