package io.dfly.spi;

/** A plugin setting is missing or malformed; the message names the property. */
public class InvalidPluginSettingException extends RuntimeException {
    public InvalidPluginSettingException(String message) {
        super(message);
    }
}
