# flatline slurm: the job script, a stand-in sbatch, then a real single-node Slurm brought up
# and down by tests/slurm/ (root only; skipped otherwise).
TESTS += tests/test-slurm.sh
EXTRA_DIST += tests/test-slurm.sh tests/slurm/up.sh tests/slurm/down.sh
