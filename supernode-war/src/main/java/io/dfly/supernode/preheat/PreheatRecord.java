package io.dfly.supernode.preheat;

import java.io.Serializable;

/**
 * A preheat job as Harbor's Dragonfly provider sees it: {@code status} is WAITING, RUNNING, SUCCESS
 * or FAIL; times are RFC 3339 text, empty until set.
 */
public record PreheatRecord(String id, String type, String url, String status, String startTime, String finishTime,
                            String errorMsg) implements Serializable {
    public PreheatRecord with(String newStatus, String newFinishTime, String newErrorMsg) {
        return new PreheatRecord(id, type, url, newStatus, startTime, newFinishTime, newErrorMsg);
    }
}
