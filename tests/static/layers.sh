#!/usr/bin/env bash
# layers.sh - the layering check (tests/static/layers.py) on this tree, then
# its self-test (trees with one bad edge each must fail).
cd "$(dirname "$0")/../.."
rc=0
python3 tests/static/layers.py . || rc=1
python3 tests/static/layers.py --selftest || rc=1
exit $rc
