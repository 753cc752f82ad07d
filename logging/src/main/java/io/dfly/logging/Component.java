package io.dfly.logging;

import java.util.List;
import java.util.Map;

/** Who logged a record, in one word: dfly's class, or the product (payara, grizzly, hazelcast, ...). */
final class Component {
    /** Logger name prefixes of the products inside Payara Micro, most specific first. */
    private static final List<Map.Entry<String, String>> PRODUCTS = List.of(
            Map.entry("org.glassfish.grizzly", "grizzly"),
            Map.entry("org.glassfish.jersey", "jersey"),
            Map.entry("com.hazelcast", "hazelcast"),
            Map.entry("org.jboss.weld", "weld"),
            Map.entry("fish.payara", "payara"),
            Map.entry("PayaraMicro", "payara"),
            Map.entry("org.glassfish", "payara"),
            Map.entry("com.sun.enterprise", "payara"),
            Map.entry("javax.enterprise", "payara"),
            Map.entry("jakarta.enterprise", "payara"));

    private Component() {
    }

    static String of(String logger) {
        if (logger == null || logger.isEmpty()) {
            return "root";
        }
        if (!logger.startsWith("io.dfly.")) {
            for (Map.Entry<String, String> p : PRODUCTS) {
                if (logger.equals(p.getKey()) || logger.startsWith(p.getKey() + ".")) {
                    return p.getValue();
                }
            }
        }
        String last = logger.substring(logger.lastIndexOf('.') + 1);
        return last.isEmpty() ? logger : LogLine.oneLine(last, 80).replace(' ', '_');
    }
}
