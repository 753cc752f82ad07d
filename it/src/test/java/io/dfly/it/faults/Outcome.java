package io.dfly.it.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One run of one row: what the deliveries did, what they cost, and every way the run missed the row's
 * correctness targets ({@link #violations}, empty when it met them all). Timing is recorded, never judged
 * here (the bench compares it with the fault-free runs).
 *
 * @param finished      every measured download finished (verified bytes served)
 * @param failedClearly every measured download failed with a one-line error saying what the row requires
 * @param hung          a download did not answer within the safety timeout
 * @param corruptBytes  delivered bytes that differ from the blob (must be 0)
 * @param originRatio   origin body bytes / blob size during the run (as the row counts them)
 * @param seconds       the measured downloads' time (the slowest)
 * @param skipped       why the row could not run here (e.g. not root), else null
 */
record Outcome(FaultCase row, boolean finished, boolean failedClearly, boolean hung, long corruptBytes,
               double originRatio, double seconds, List<String> violations, Map<String, String> notes, String skipped) {

    /** Builds the outcome of {@code results} and adds the common checks to {@code violations}. */
    static Outcome of(FaultCase row, List<Dfget.Result> results, double originRatio, List<String> violations,
                      Map<String, String> notes) {
        List<String> v = new ArrayList<>(violations);
        boolean finished = !results.isEmpty() && results.stream().allMatch(Dfget.Result::finished);
        boolean hung = results.stream().anyMatch(Dfget.Result::hung);
        long corrupt = results.stream().mapToLong(Dfget.Result::corruptBytes).sum();
        double seconds = results.stream().mapToDouble(Dfget.Result::seconds).max().orElse(0);
        boolean clearly = !results.isEmpty() && results.stream().allMatch(r -> r.failedClearly() && says(r.error(), row));
        List<String> errors = results.stream().filter(r -> !r.finished()).map(Dfget.Result::error).toList();
        if (row.expect == FaultCase.Expect.FINISH && !finished) {
            v.add("did not finish: " + errors);
        }
        if (row.expect == FaultCase.Expect.FAIL && !clearly) {
            v.add(finished ? "finished, but must fail (" + row.errorMustContain + ")"
                    : "did not fail with a clear one-line error saying " + row.errorMustContain + ": " + errors);
        }
        if (hung) {
            v.add("hung: no answer within the safety timeout");
        }
        if (corrupt > 0) {
            v.add(corrupt + " corrupt bytes delivered");
        }
        if (originRatio > row.originBound) {
            v.add(String.format(Locale.ROOT, "origin bytes %.2f × blob > %.2f ×", originRatio, row.originBound));
        }
        return new Outcome(row, finished, !finished && clearly, hung, corrupt, originRatio, seconds, List.copyOf(v),
                new LinkedHashMap<>(notes), null);
    }

    /** A row that cannot run on this machine. */
    static Outcome skipped(FaultCase row, String why) {
        return new Outcome(row, false, false, false, 0, 0, 0, List.of(), Map.of(), why);
    }

    /** A run that broke (an exception in the case's own steps): counted as neither finished nor clear. */
    static Outcome crashed(FaultCase row, Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return new Outcome(row, false, false, false, 0, 0, 0, List.of("the case's steps failed: " + t),
                Map.of("stack", w.toString()), null);
    }

    private static boolean says(String error, FaultCase row) {
        String e = error == null ? "" : error.toLowerCase(Locale.ROOT);
        return row.errorMustContain.stream().allMatch(s -> e.contains(s.toLowerCase(Locale.ROOT)));
    }

    /** For assertion messages: the row, each violation, the notes. */
    String report() {
        StringBuilder b = new StringBuilder("case " + row.id + " (" + row.what + "):");
        violations.forEach(x -> b.append("\n  - ").append(x));
        notes.forEach((k, x) -> b.append("\n  ").append(k).append(": ").append(x));
        return b.toString();
    }
}
