package io.dfly.engine;

import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadProgress;
import io.dfly.core.download.DownloadResult;

import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** One caller's view of a (possibly shared) {@link TaskDownload}. */
final class EngineHandle implements DownloadHandle {
    private final P2PEngine engine;
    private final TaskDownload download;
    private final AtomicBoolean released = new AtomicBoolean();

    EngineHandle(P2PEngine engine, TaskDownload download) {
        this.engine = engine;
        this.download = download;
    }

    @Override
    public String taskId() {
        return download.taskId;
    }

    @Override
    public long contentLength() {
        return download.contentLength();
    }

    @Override
    public InputStream openStream() {
        return new OrderedPieceStream(download);
    }

    @Override
    public CompletableFuture<DownloadResult> completion() {
        return download.completion();
    }

    @Override
    public DownloadProgress progress() {
        return download.progress();
    }

    @Override
    public void cancel() {
        if (released.compareAndSet(false, true)) {
            engine.release(download);
        }
    }
}
