# vigil - the commands people type. The build itself is Meson + Ninja.
#
#   make          build (build/vigil)
#   make deps     install what is missing (Debian packages, geo data in data/)
#   make geo      compile the fetched ASN ranges into data/geo/asn.vgasn (needs build)
#   make demo     deps + build + run vigil on the bundled sample captures
#   make check    deps + build + every test suite (ends with "N passed, M failed")
#   make bench    deps + build + the benchmarks (docs/PERFORMANCE.md), the store's included
#   make fuzz     build the libFuzzer targets with clang and run each for FUZZ_SECONDS

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all build asan deps geo demo check bench fuzz clean

all: build

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Dbuildtype=debug -Db_sanitize=address,undefined -Dwerror=true

asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

deps:
	VG_BUILD=$(BUILD) bash scripts/deps.sh

# The ASN CSVs that deps fetched, compiled by the vigil just built (once;
# again only when the CSVs are newer).
geo: build
	bash scripts/geo-compile.sh $(BUILD)

demo: deps
	$(MAKE) --no-print-directory build geo
	bash scripts/demo.sh $(BUILD)

check: deps
	$(MAKE) --no-print-directory build asan geo
	bash tests/run.sh $(BUILD) $(ASAN_BUILD)

SMALL_PCAP = bench/data/bench-10M-snap96.pcap

bench: deps
	$(MAKE) --no-print-directory build geo
	bash bench/run.sh $(BUILD)
	@# The same traffic captured with snaplen 96 (headers only): small records.
	test -s $(SMALL_PCAP) || $(BUILD)/bench/gen_capture --snaplen 96 $(SMALL_PCAP)
	VG_BENCH_PCAP=$(SMALL_PCAP) bash bench/run.sh $(BUILD)
	bash bench/flood.sh $(BUILD)
	bash bench/geo.sh $(BUILD)
	bash bench/store.sh $(BUILD)
	bash bench/intel.sh $(BUILD)

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false

fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
