package io.github.datastore4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The README's Install section names artifacts that exist, at the version this build makes. */
class ReadmeDependenciesTest {
    private static Reactor reactor;
    private static Readme.Block dependencies;

    @BeforeAll
    static void read() throws Exception {
        reactor = Reactor.read();
        List<Readme.Block> xml = Readme.read().blocks("Install", "xml");
        assertThat(xml).as("the Install section's ```xml dependency block").hasSize(1);
        dependencies = xml.get(0);
    }

    @Test
    @DisplayName("every <dependency> of the Install block is a module of this build, at the build's group and version")
    void dependenciesExist() throws Exception {
        Element root = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(
                        String.join("\n", dependencies.lines()).getBytes(StandardCharsets.UTF_8)))
                .getDocumentElement();
        NodeList declared = root.getElementsByTagName("dependency");
        assertThat(declared.getLength()).as(dependencies.where()).isPositive();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < declared.getLength(); i++) {
            Element dependency = (Element) declared.item(i);
            String artifactId = Reactor.text(dependency, "artifactId");
            if (!reactor.modulesByArtifactId().containsKey(artifactId)) {
                wrong.add(artifactId + " is not a module of the build "
                        + reactor.modulesByArtifactId().keySet());
            }
            if (!reactor.groupId().equals(Reactor.text(dependency, "groupId"))) {
                wrong.add(artifactId + ": groupId " + Reactor.text(dependency, "groupId") + ", the build's is "
                        + reactor.groupId());
            }
            if (!reactor.version().equals(Reactor.text(dependency, "version"))) {
                wrong.add(artifactId + ": version " + Reactor.text(dependency, "version") + ", the build's is "
                        + reactor.version());
            }
        }
        assertThat(wrong).as(dependencies.where()).isEmpty();
    }

    @Test
    @DisplayName("every datastore4j artifact the Install block names, comments included, is a module of this build")
    void namedArtifactsExist() {
        Matcher named =
                Pattern.compile("datastore4j-[a-z0-9-]*[a-z0-9]").matcher(String.join("\n", dependencies.lines()));
        List<String> unknown = new ArrayList<>();
        while (named.find()) {
            if (!reactor.modulesByArtifactId().containsKey(named.group())) {
                unknown.add(named.group());
            }
        }
        assertThat(unknown).as(dependencies.where()).isEmpty();
    }

    @Test
    @DisplayName("the version the Install section tells you to install is the build's")
    void installedVersionIsTheBuilds() throws Exception {
        Matcher installs = Pattern.compile("puts `([^`]+)` in your local").matcher(Files.readString(Readme.FILE));
        assertThat(installs.find())
                .as("README.md: \"puts `<version>` in your local repository\"")
                .isTrue();
        assertThat(installs.group(1)).isEqualTo(reactor.version());
    }
}
