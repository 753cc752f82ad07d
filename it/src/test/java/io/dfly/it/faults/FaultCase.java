package io.dfly.it.faults;

import java.util.List;

/**
 * The rows of the fault table (issue 11's cases 1–10; some cases are split into rows). Each row says
 * what must happen (finish, or fail with a clear error naming what the error text must contain), how many
 * blobs' worth of origin bytes it may cost, and whether its time is held to ≤ 2 × the fault-free time.
 */
enum FaultCase {
    C1("1", "uploading peer SIGKILLed mid-transfer", Expect.FINISH, 1.05, true),
    C2("2", "peer serving corrupt bytes", Expect.FINISH, 1.05, true),
    C3("3", "peer claiming pieces it lacks (and forging failure reports)", Expect.FINISH, 1.05, true),
    C4("4", "trickle peer (1 KB/s)", Expect.FINISH, 1.05, true),
    C5("5", "supernode member SIGKILLed mid back-to-source (cluster of two)", Expect.FINISH, 1.5, false),
    C6A("6a", "only supernode restarted mid-download", Expect.FINISH, 2.05, false),
    C6B("6b", "only supernode restarted after the download: CDN kept (origin bytes of the next download)", Expect.FINISH, 0.05, false),
    C6C("6c", "dfdaemon restarted after the download: cache kept (origin bytes of the next download)", Expect.FINISH, 0.05, false),
    C7A("7a", "origin answers 1 request in 3 with 503", Expect.FINISH, 1.05, false),
    C7B("7b", "origin resets the connection mid-body (Range honoured)", Expect.FINISH, 1.05, false),
    C7C("7c", "origin resets mid-body and ignores Range", Expect.FINISH, 1.55, false),
    C7D("7d", "origin answers 404 (permanent)", Expect.FAIL, 0.05, false, "404"),
    C7E("7e", "origin's bytes do not match the digest (2 dfdaemons)", Expect.FAIL, 3.05, false, "digest"),
    C7F("7f", "no supernode: the dfdaemon's own fetch meets 503 1 in 3 and a reset", Expect.FINISH, 1.05, false),
    C8("8", "dfdaemon's disk (tmpfs) fills up mid-download", Expect.FAIL, 2.05, false, "no space left in",
            "dfly.dfdaemon.data-dir"),
    C9("9", "supernode unreachable: back to source, one WARN line, metric counts it", Expect.FINISH, 1.05, false),
    C10("10", "load: concurrent registrations and FAILED tasks, state falls back after the TTL", Expect.NONE, 0, false);

    enum Expect { FINISH, FAIL, NONE }

    final String id;
    final String what;
    final Expect expect;
    /** most origin bytes per blob allowed */
    final double originBound;
    /** whether time ≤ 2 × fault-free is a target */
    final boolean timeTarget;
    /** what a clear error must say (lower-case match) */
    final List<String> errorMustContain;

    FaultCase(String id, String what, Expect expect, double originBound, boolean timeTarget, String... errorMustContain) {
        this.id = id;
        this.what = what;
        this.expect = expect;
        this.originBound = originBound;
        this.timeTarget = timeTarget;
        this.errorMustContain = List.of(errorMustContain);
    }

    /** The row whose script also produces this row (6b and 6c come out of 6a's run). */
    FaultCase script() {
        return this == C6B || this == C6C ? C6A : this;
    }

    /** The rows one script produces. */
    List<FaultCase> rows() {
        return this == C6A ? List.of(C6A, C6B, C6C) : List.of(this);
    }
}
