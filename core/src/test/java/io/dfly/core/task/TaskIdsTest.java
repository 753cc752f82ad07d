package io.dfly.core.task;

import org.junit.jupiter.api.Test;

import static io.dfly.core.task.TaskIds.DEFAULT_VOLATILE_PARAMS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskIdsTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void sameDigestFromOneOriginIsOneTaskWhateverTheRepository() {
        String a = TaskIds.derive("https://r1.example.com/v2/x/blobs/" + DIGEST, DIGEST, null, DEFAULT_VOLATILE_PARAMS);
        String b = TaskIds.derive("https://R1.example.com:443/v2/y/blobs/" + DIGEST, DIGEST, null, DEFAULT_VOLATILE_PARAMS);
        assertEquals(a, b);
        assertTrue(TaskIds.isValid(a));
    }

    @Test
    void sameDigestFromAnotherOriginIsAnotherTask() {
        String a = TaskIds.derive("https://r1.example.com/v2/x/blobs/" + DIGEST, DIGEST, null, DEFAULT_VOLATILE_PARAMS);
        assertNotEquals(a, TaskIds.derive("https://evil.example.com/v2/x/blobs/" + DIGEST, DIGEST, null, DEFAULT_VOLATILE_PARAMS));
        assertNotEquals(a, TaskIds.derive("http://r1.example.com/v2/x/blobs/" + DIGEST, DIGEST, null, DEFAULT_VOLATILE_PARAMS));
        assertNotEquals(a, TaskIds.derive("https://r1.example.com:5000/v2/x/blobs/" + DIGEST, DIGEST, null, DEFAULT_VOLATILE_PARAMS));
    }

    @Test
    void volatileQueryParametersAreIgnored() {
        String a = TaskIds.derive("https://oss.example.com/f.bin?Expires=1&OSSAccessKeyId=k&Signature=s&v=2", null, null, DEFAULT_VOLATILE_PARAMS);
        String b = TaskIds.derive("https://OSS.example.com/f.bin?v=2&Signature=other&Expires=9", null, null, DEFAULT_VOLATILE_PARAMS);
        assertEquals(a, b);
        String c = TaskIds.derive("https://oss.example.com/f.bin?v=3", null, null, DEFAULT_VOLATILE_PARAMS);
        assertNotEquals(a, c);
    }

    @Test
    void identifierWinsOverThePathButNotOverTheOrigin() {
        assertEquals(TaskIds.derive("http://a/x", null, "release-1.2", DEFAULT_VOLATILE_PARAMS),
                TaskIds.derive("http://a/y?v=1", null, "release-1.2", DEFAULT_VOLATILE_PARAMS));
        assertNotEquals(TaskIds.derive("http://a/x", null, "release-1.2", DEFAULT_VOLATILE_PARAMS),
                TaskIds.derive("http://b/x", null, "release-1.2", DEFAULT_VOLATILE_PARAMS));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> TaskIds.derive("not a url", null, null, DEFAULT_VOLATILE_PARAMS));
        assertThrows(IllegalArgumentException.class, () -> TaskIds.derive("http://a/x", "md5:abc", null, DEFAULT_VOLATILE_PARAMS));
    }

    @Test
    void pathTricksAreNotTaskIds() {
        for (String bad : new String[]{"..", "../../etc/passwd", "a/b", "%2e%2e", "AB".repeat(32), "ab".repeat(31), "ab".repeat(32) + "/..", ""}) {
            assertFalse(TaskIds.isValid(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> TaskIds.requireValid(bad));
        }
        assertFalse(TaskIds.isValid(null));
    }
}
