package io.dfly.plugin.auth.dockerconfig;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.spi.AuthProvider;
import io.dfly.spi.AuthProviderFactory;
import io.dfly.spi.Credentials;
import io.dfly.spi.InvalidPluginSettingException;
import io.dfly.spi.Plugin;
import io.dfly.spi.RegistryHosts;
import io.dfly.spi.PluginSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Credentials from a Docker {@code config.json} ({@code docker login} writes it): the {@code auths} map,
 * each entry with a base64 {@code auth} ("user:secret") or {@code username}/{@code password}. Keys may be
 * hosts or URLs ({@code https://index.docker.io/v1/}). The file is re-read when it changes.
 * <p>Setting {@code dfly.plugin.docker-config.path} (default {@code $DOCKER_CONFIG/config.json}, else
 * {@code ~/.docker/config.json}).
 */
public final class DockerConfigAuthPlugin implements Plugin, AuthProviderFactory {
    public static final String NAME = "docker-config";
    private static final Logger LOG = Logger.getLogger(DockerConfigAuthPlugin.class.getName());

    @Override
    public List<AuthProviderFactory> authProviderFactories() {
        return List.of(this);
    }

    @Override
    public String name() {
        return NAME;
    }

    static Path defaultPath() {
        String dockerConfig = System.getenv("DOCKER_CONFIG");
        if (dockerConfig != null && !dockerConfig.isBlank()) {
            return Path.of(dockerConfig, "config.json");
        }
        return Path.of(System.getProperty("user.home"), ".docker", "config.json");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses the {@code auths} of a config.json; throws {@link IllegalArgumentException} when it is not JSON. */
    static Map<String, Credentials> parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            // not Jackson's message, nor its cause: both quote the file, whose secrets must not reach a log
            throw new IllegalArgumentException("not JSON at line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()));
        }
        Map<String, Credentials> out = new HashMap<>();
        JsonNode auths = root == null ? null : root.get("auths");
        if (auths == null || !auths.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : auths.properties()) {
            Credentials c = credentials(e.getValue());
            if (c != null) {
                out.put(RegistryHosts.canonical(e.getKey()), c);
            }
        }
        return out;
    }

    /** One entry of {@code auths}: a base64 {@code auth} ("user:secret"), else {@code username} and {@code password}. */
    private static Credentials credentials(JsonNode a) {
        if (!a.isObject()) {
            return null;
        }
        JsonNode auth = a.get("auth");
        if (auth != null && auth.isTextual() && !auth.asText().isEmpty()) {
            String dec;
            try {
                dec = new String(Base64.getDecoder().decode(auth.asText().trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException bad) {
                return null;
            }
            int colon = dec.indexOf(':');
            return colon > 0 ? new Credentials(dec.substring(0, colon), dec.substring(colon + 1)) : null;
        }
        JsonNode u = a.get("username");
        JsonNode p = a.get("password");
        return u != null && u.isTextual() && p != null && p.isTextual() ? new Credentials(u.asText(), p.asText()) : null;
    }

    @Override
    public AuthProvider create(PluginSettings settings) {
        Path path = settings.get("path").map(p -> p.startsWith("~/") ? Path.of(System.getProperty("user.home"), p.substring(2))
                : Path.of(p)).orElseGet(DockerConfigAuthPlugin::defaultPath);
        if (settings.get("path").isPresent() && !Files.isReadable(path)) {
            throw new InvalidPluginSettingException("dfly.plugin.docker-config.path: cannot read " + path);
        }
        return new AuthProvider() {
            private FileTime loadedAt;
            private Map<String, Credentials> auths = Map.of();

            @Override
            public String name() {
                return NAME;
            }

            private synchronized Map<String, Credentials> current() {
                try {
                    FileTime t = Files.getLastModifiedTime(path);
                    if (!t.equals(loadedAt)) {
                        auths = parse(Files.readString(path, StandardCharsets.UTF_8));
                        loadedAt = t;
                    }
                } catch (IOException | IllegalArgumentException e) {
                    LOG.warning("docker-config auth: cannot read " + path + " (" + e.getClass().getSimpleName()
                            + "); no credentials from it");
                    auths = Map.of();
                    loadedAt = null;
                }
                return auths;
            }

            @Override
            public Optional<Credentials> credentialsFor(String registryHost) {
                return Optional.ofNullable(current().get(RegistryHosts.canonical(registryHost)));
            }

            @Override
            public String toString() {
                return "docker config " + path;
            }
        };
    }
}
