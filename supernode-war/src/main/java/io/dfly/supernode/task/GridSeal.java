package io.dfly.supernode.task;

import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.SecretBox;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * What the tasks map keeps of a task's URL, so the grid holds no query string in clear (a signed URL's
 * signature is a credential): the URL sealed with the cluster's grid key and bound to its task, and a
 * keyed hash of its normalized form ({@link io.dfly.core.task.TaskIds#normalizeUrl}) to tell whether a
 * registrant's URL is the task's. Only members holding the cluster secret can open or compare them.
 */
public final class GridSeal {
    private final SecretBox box;
    private final SecretKeySpec urlKey;

    public GridSeal(ClusterSecret secret) {
        this.box = secret.gridBox();
        this.urlKey = new SecretKeySpec(secret.key("grid-url-key"), "HmacSHA256");
    }

    public byte[] sealUrl(String url, String taskId) {
        return box.seal(url.getBytes(StandardCharsets.UTF_8), context(taskId));
    }

    /** @throws IllegalArgumentException when it was sealed for another task or with another secret */
    public String openUrl(byte[] sealed, String taskId) {
        return new String(box.open(sealed, context(taskId)), StandardCharsets.UTF_8);
    }

    /** Equal for equal normalized URLs; tells nothing about the URL without the cluster secret. */
    public String urlKey(String normalizedUrl) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(urlKey);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(normalizedUrl.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK without HmacSHA256", e);
        }
    }

    private static String context(String taskId) {
        return "task-url:" + taskId;
    }
}
