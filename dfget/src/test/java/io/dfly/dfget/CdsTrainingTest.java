package io.dfly.dfget;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The AppCDS training run (dist's package step) really downloads through its stand-in and leaves nothing. */
class CdsTrainingTest {
    @Test
    void runsTheDfdaemonPathAndCleansUp() throws Exception {
        Path tmpRoot = Path.of(System.getProperty("java.io.tmpdir"));
        long before = trainingDirs(tmpRoot);
        assertDoesNotThrow(() -> CdsTraining.main(new String[0]));
        assertEquals(before, trainingDirs(tmpRoot), "its temp dir is removed");
    }

    private static long trainingDirs(Path root) throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith("dfget-cds-")).count();
        }
    }
}
