package io.dfly.scheduler;

import java.io.Serializable;

/**
 * One scheduling decision: fetch piece {@code pieceNum} from {@code sourcePeerId}, whose upload server
 * is at {@code sourceBaseUrl}.
 */
public record Assignment(int pieceNum, String sourcePeerId, String sourceBaseUrl) implements Serializable {
}
