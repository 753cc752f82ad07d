package io.dfly.core.protocol;

/** JSON body of every dfly API error: {@code {"error":"...","message":"..."}}. */
public record ErrorBody(String error, String message) {
}
