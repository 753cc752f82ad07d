package io.dfly.core.config;

/** A dfly setting has a bad value. The message is one line that names the property and what is wanted. */
public class InvalidSettingException extends RuntimeException {
    private final String property;

    public InvalidSettingException(String property, String message) {
        super(message);
        this.property = property;
    }

    public String property() {
        return property;
    }
}
