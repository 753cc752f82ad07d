import io.dfly.core.piece.PieceSizeRule;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import io.dfly.core.task.TaskIds;

import java.nio.file.Path;

/**
 * bench/herd's peer-stream measurement: prints curl arguments that fetch every piece of one blob from a
 * dfdaemon's upload port, each with the host token and the piece grant an enrolled downloader would have
 * been given (made with dfly's own core classes, never a second implementation of the formats).
 *
 * <pre>java -cp core.jar bench/tools/PieceRequests.java SECRET_FILE UPLOAD_BASE_URL REGISTRY_URL REPO DIGEST SIZE</pre>
 */
public class PieceRequests {
    public static void main(String[] a) {
        ClusterSecret secret = ClusterSecret.load(Path.of(a[0]));
        String base = a[1];
        String blobUrl = a[2] + "/v2/" + a[3] + "/blobs/" + a[4];
        long size = Long.parseLong(a[5]);
        String task = TaskIds.derive(blobUrl, a[4], null, TaskIds.DEFAULT_VOLATILE_PARAMS);
        int pieceSize = PieceSizeRule.pieceSize(size);
        int pieces = PieceSizeRule.pieceCount(size, pieceSize);
        String me = "bench-peer-stream";
        StringBuilder out = new StringBuilder();
        for (int n = 0; n < pieces; n++) {
            String path = PieceHeaders.piecePath(task, n);
            // one curl "next" section per piece: its own headers, its own output
            out.append(n == 0 ? "" : "--next\n")
                    .append("-s\n-f\n-w\n%{size_download}\\n\n-o\n/dev/null\n")
                    .append("-H\n").append(HostTokens.HEADER).append(": ").append(secret.hostTokens().authorization(me, "GET", path)).append('\n')
                    .append("-H\nX-Dfly-Grant: ").append(secret.pieceGrants().mint(task, n, me)).append('\n')
                    .append(base).append(path).append('\n');
        }
        System.out.print(out);
    }
}
