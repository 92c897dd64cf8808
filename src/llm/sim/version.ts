/**
 * The simulated model's behaviour version. Bump it in any change that alters what the sim answers for a
 * request (decisions, wording, usage, judge or optimizer behaviour); leave it for refactors that change
 * nothing observable. It enters every `sim:` cache key and the models hash of prompt artifacts, so a bump
 * makes cached replies and shipped artifacts stale (regenerate them), and a refactor does not.
 *
 * History: 1 — the simulator as of the first SIM_VERSION (hash of its source before);
 * 2 — run-to-run nondeterminism (`agent.nondeterminism`, issue 12).
 * 3 — phenomena with strengths (issue 17; shipped at 0), answers to user-declared benchmarks (issue 14),
 *     the graders' new final-answer precedence (issue 11).
 */
export const SIM_VERSION = 3;
