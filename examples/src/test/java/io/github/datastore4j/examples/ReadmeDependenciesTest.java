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
    private static Readme.Block gradle;

    @BeforeAll
    static void read() throws Exception {
        reactor = Reactor.read();
        Readme readme = Readme.read();
        List<Readme.Block> xml = readme.blocks("Install", "xml");
        assertThat(xml).as("the Install section's ```xml dependency block").hasSize(1);
        dependencies = xml.get(0);
        List<Readme.Block> kotlin = readme.blocks("Install", "kotlin");
        assertThat(kotlin).as("the Install section's ```kotlin Gradle block").hasSize(1);
        gradle = kotlin.get(0);
    }

    @Test
    @DisplayName("the Install block imports the BOM at the build's version; every other <dependency> is a module of"
            + " this build, its version left to the BOM")
    void dependenciesExist() throws Exception {
        Element root = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(("<project>" + String.join("\n", dependencies.lines()) + "</project>")
                        .getBytes(StandardCharsets.UTF_8)))
                .getDocumentElement();
        NodeList declared = root.getElementsByTagName("dependency");
        assertThat(declared.getLength()).as(dependencies.where()).isPositive();
        List<String> wrong = new ArrayList<>();
        boolean bom = false;
        for (int i = 0; i < declared.getLength(); i++) {
            Element dependency = (Element) declared.item(i);
            String artifactId = Reactor.text(dependency, "artifactId");
            boolean managed =
                    dependency.getParentNode().getParentNode().getNodeName().equals("dependencyManagement");
            if (!reactor.modulesByArtifactId().containsKey(artifactId)) {
                wrong.add(artifactId + " is not a module of the build "
                        + reactor.modulesByArtifactId().keySet());
            }
            if (!reactor.groupId().equals(Reactor.text(dependency, "groupId"))) {
                wrong.add(artifactId + ": groupId " + Reactor.text(dependency, "groupId") + ", the build's is "
                        + reactor.groupId());
            }
            if (managed) {
                bom |= artifactId.equals("datastore4j-bom")
                        && "pom".equals(Reactor.text(dependency, "type"))
                        && "import".equals(Reactor.text(dependency, "scope"));
                if (!reactor.version().equals(Reactor.text(dependency, "version"))) {
                    wrong.add(artifactId + ": version " + Reactor.text(dependency, "version") + ", the build's is "
                            + reactor.version());
                }
            } else if (Reactor.text(dependency, "version") != null) {
                wrong.add(artifactId + ": a version of its own; the BOM's is the one to take");
            }
        }
        assertThat(bom).as(dependencies.where() + ": imports datastore4j-bom").isTrue();
        assertThat(wrong).as(dependencies.where()).isEmpty();
    }

    @Test
    @DisplayName("the Gradle block takes the BOM at the build's version as a platform, and modules of this build")
    void gradleCoordinatesExist() {
        String text = String.join("\n", gradle.lines());
        assertThat(text)
                .as(gradle.where())
                .contains("platform(\"" + reactor.groupId() + ":datastore4j-bom:" + reactor.version() + "\")");
        Matcher coordinates = Pattern.compile("\"" + Pattern.quote(reactor.groupId()) + ":(datastore4j-[a-z0-9-]+)")
                .matcher(text);
        List<String> unknown = new ArrayList<>();
        int found = 0;
        while (coordinates.find()) {
            found++;
            if (!reactor.modulesByArtifactId().containsKey(coordinates.group(1))) {
                unknown.add(coordinates.group(1));
            }
        }
        assertThat(found).as(gradle.where()).isGreaterThanOrEqualTo(4);
        assertThat(unknown).as(gradle.where()).isEmpty();
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
