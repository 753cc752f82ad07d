package io.dfly.plugin.auth.statik;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Registry credentials from dfly's own configuration, for pulls whose clients bring none. Two forms:
 * <ul>
 *   <li>{@code dfly.plugin.static.credentials=host=user:secret,host2=user2:secret2} (a secret may contain
 *       ':' but not ',');</li>
 *   <li>per host: {@code dfly.plugin.static.hosts=host1,host2} and for each host
 *       {@code dfly.plugin.static.<host>.username} plus {@code .password} or {@code .password-file}
 *       (read on every use, so a mounted secret can rotate).</li>
 * </ul>
 * Docker Hub's names (index.docker.io, registry-1.docker.io) all mean {@code docker.io}. Error messages
 * name the property, never the secret.
 */
public final class StaticAuthPlugin implements Plugin, AuthProviderFactory {
    public static final String NAME = "static";

    @Override
    public List<AuthProviderFactory> authProviderFactories() {
        return List.of(this);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public AuthProvider create(PluginSettings settings) {
        Map<String, Supplier<Credentials>> byHost = new LinkedHashMap<>();
        settings.get("credentials").ifPresent(list -> {
            for (String entry : list.split(",")) {
                String e = entry.trim();
                if (e.isEmpty()) {
                    continue;
                }
                int eq = e.indexOf('=');
                int colon = eq < 0 ? -1 : e.indexOf(':', eq);
                if (eq <= 0 || colon < 0 || colon == eq + 1) {
                    String shown = eq > 0 ? e.substring(0, eq) + "=…" : "(entry " + (byHost.size() + 1) + ")";
                    throw new InvalidPluginSettingException("dfly.plugin.static.credentials: entry " + shown
                            + " is not host=user:secret");
                }
                Credentials c = new Credentials(e.substring(eq + 1, colon), e.substring(colon + 1));
                byHost.put(RegistryHosts.canonical(e.substring(0, eq)), () -> c);
            }
        });
        settings.get("hosts").ifPresent(list -> {
            for (String raw : list.split(",")) {
                String host = raw.trim();
                if (host.isEmpty()) {
                    continue;
                }
                String user = settings.require(host + ".username");
                Optional<String> password = settings.get(host + ".password");
                Optional<String> file = settings.get(host + ".password-file");
                if (password.isEmpty() && file.isEmpty()) {
                    throw new InvalidPluginSettingException("missing required property dfly.plugin.static." + host
                            + ".password (or ." + "password-file)");
                }
                if (password.isPresent()) {
                    Credentials c = new Credentials(user, password.get());
                    byHost.put(RegistryHosts.canonical(host), () -> c);
                } else {
                    Path p = Path.of(file.get());
                    if (!Files.isReadable(p)) {
                        throw new InvalidPluginSettingException("dfly.plugin.static." + host + ".password-file: cannot read " + p);
                    }
                    byHost.put(RegistryHosts.canonical(host), () -> {
                        try {
                            return new Credentials(user, Files.readString(p, StandardCharsets.UTF_8).strip());
                        } catch (IOException e) {
                            return null;
                        }
                    });
                }
            }
        });
        return new AuthProvider() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public Optional<Credentials> credentialsFor(String registryHost) {
                Supplier<Credentials> s = byHost.get(RegistryHosts.canonical(registryHost));
                return s == null ? Optional.empty() : Optional.ofNullable(s.get());
            }

            @Override
            public String toString() {
                return "static credentials for " + byHost.keySet();
            }
        };
    }
}
