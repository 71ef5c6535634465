/* slurm.h — `flatline slurm`: submit an experiment to Slurm as a job array whose task I
 * runs shard I of N (`flatline run --shard I/N`) into one shared results directory.
 *
 * Writes DIR/slurm/job.sh (the batch script, resubmittable one task at a time with
 * `sbatch --array=I DIR/slurm/job.sh`) and, once sbatch accepted it, DIR/slurm.info, a GLib
 * key file that `flatline report` reads to say which task had a missing run:
 *
 *     [slurm]
 *     file=/abs/experiment.cfg    the experiment submitted
 *     experiment=NAME
 *     dir=/abs/DIR
 *     runs=24                     runs in the plan
 *     tasks=4                     array tasks: run index i belongs to task i % tasks
 *     jobs=1                      -j of each task
 *     threads=1                   --threads of each task
 *     script=/abs/DIR/slurm/job.sh
 *     sbatch_options=             extra sbatch arguments given after "--" (string list)
 *     job_id=1234                 the array's job id
 *     submitted=2024-05-01T12:00:00+02:00
 */
#ifndef FL_SLURM_H
#define FL_SLURM_H

/* argv[0] is "slurm".  Returns the exit status: 0 submitted (or dry run, or nothing left
 * to run), 2 usage, configuration or submission error (nothing submitted). */
int slurm_main(int argc, char **argv);

#endif
