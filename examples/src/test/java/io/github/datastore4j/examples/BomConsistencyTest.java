package io.github.datastore4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * {@code bom/pom.xml} has no parent (importing it must not bring the build's test libraries), so nothing keeps it in
 * step with the build but this: it lists every library module at the build's version, and pins each third-party
 * artifact at the version the parent tests with.
 */
class BomConsistencyTest {
    /** Modules that are not libraries an application depends on. */
    private static final Set<String> NOT_LIBRARIES =
            Set.of("datastore4j-bom", "datastore4j-benchmarks", "datastore4j-examples", "datastore4j-cli");

    private static Reactor reactor;
    private static Element bom;
    private static Map<String, String> parentVersions;

    @BeforeAll
    static void read() throws Exception {
        reactor = Reactor.read();
        bom = Reactor.parse(reactor.modulesByArtifactId().get("datastore4j-bom").resolve("pom.xml"));
        parentVersions = managedVersions(Reactor.parse(reactor.root().resolve("pom.xml")));
    }

    /** groupId:artifactId → version (properties resolved) of a pom's {@code dependencyManagement}. */
    private static Map<String, String> managedVersions(Element pom) {
        Map<String, String> properties = new HashMap<>();
        NodeList propertyNodes = child(pom, "properties").getChildNodes();
        for (int i = 0; i < propertyNodes.getLength(); i++) {
            if (propertyNodes.item(i) instanceof Element) {
                Element property = (Element) propertyNodes.item(i);
                properties.put(property.getNodeName(), property.getTextContent().trim());
            }
        }
        properties.put("project.version", Reactor.text(pom, "version"));
        Map<String, String> versions = new HashMap<>();
        NodeList dependencies =
                child(child(pom, "dependencyManagement"), "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element dependency = (Element) dependencies.item(i);
            String version = Reactor.text(dependency, "version");
            if (version.startsWith("${")) {
                version = properties.get(version.substring(2, version.length() - 1));
            }
            versions.put(Reactor.text(dependency, "groupId") + ":" + Reactor.text(dependency, "artifactId"), version);
        }
        return versions;
    }

    private static Element child(Element element, String name) {
        for (Node node = element.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element && node.getNodeName().equals(name)) {
                return (Element) node;
            }
        }
        throw new AssertionError("no <" + name + "> in <" + element.getNodeName() + ">");
    }

    @Test
    @DisplayName("the BOM is at the build's group and version, and lists every library module at that version")
    void everyLibraryModuleAtTheBuildsVersion() {
        assertThat(Reactor.text(bom, "groupId")).isEqualTo(reactor.groupId());
        assertThat(Reactor.text(bom, "version")).isEqualTo(reactor.version());
        Map<String, String> listed = managedVersions(bom);
        Set<String> missing = new TreeSet<>();
        for (String artifactId : reactor.modulesByArtifactId().keySet()) {
            if (!NOT_LIBRARIES.contains(artifactId)
                    && !reactor.version().equals(listed.get(reactor.groupId() + ":" + artifactId))) {
                missing.add(artifactId);
            }
        }
        assertThat(missing).as("library modules missing from bom/pom.xml").isEmpty();
    }

    @Test
    @DisplayName("each third-party pin of the BOM is the version the parent builds and tests with")
    void pinsAreTheParents() {
        List<String> differ = new ArrayList<>();
        managedVersions(bom).forEach((coordinates, version) -> {
            if (!coordinates.startsWith(reactor.groupId() + ":") && !version.equals(parentVersions.get(coordinates))) {
                differ.add(coordinates + ": " + version + " in the BOM, " + parentVersions.get(coordinates)
                        + " in the parent");
            }
        });
        assertThat(differ).isEmpty();
        assertThat(managedVersions(bom))
                .as("the MapDB pins")
                .containsKeys("com.google.guava:guava", "org.jetbrains.kotlin:kotlin-stdlib", "at.yawk.lz4:lz4-java");
    }
}
