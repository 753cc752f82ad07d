package io.dfly.it.security;

import io.dfly.it.harness.DflyNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that cannot prove it belongs to the cluster does not half-run: pointed at a cluster secret file
 * it cannot read (missing, or a directory), it stops at startup with one line saying how to get one.
 */
class EnrolmentStartupTest {
    @Test
    void aDfdaemonWithoutTheSecretRefusesToStart(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such.secret");
        try (DflyNode dd = DflyNode.dfdaemon(Map.of("dfly.security.cluster-secret-file", missing.toString()))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, dd::start);
            String line = firstLine(e.getMessage());
            assertTrue(line.contains("dfly dfdaemon cannot start:") && line.contains(missing.toString())
                    && line.contains("copy"), line);
        }
    }

    @Test
    void aSupernodePointedAtAnUnreadableSecretRefusesToStart(@TempDir Path tmp) {
        // a directory is unreadable as a file even for root, who can read any file
        try (DflyNode sn = DflyNode.supernode(Map.of("dfly.security.cluster-secret-file", tmp.toString()))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, sn::start);
            String line = firstLine(e.getMessage());
            assertTrue(line.contains("dfly supernode cannot start:") && line.contains(tmp.toString()), line);
        }
    }

    private static String firstLine(String message) {
        int i = message.indexOf("cannot start:");
        String from = i < 0 ? message : message.substring(Math.max(0, message.lastIndexOf('\n', i) + 1));
        int nl = from.indexOf('\n');
        return nl < 0 ? from : from.substring(0, nl);
    }
}
