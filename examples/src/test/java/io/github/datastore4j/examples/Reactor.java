package io.github.datastore4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/** The Maven reactor as its root pom states it: group, version, and each module's folder and artifactId. Immutable. */
record Reactor(Path root, String groupId, String version, Map<String, Path> modulesByArtifactId) {
    /** Reads the reactor whose root is the parent of this module's folder, where Surefire runs. */
    static Reactor read() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Element parent = parse(root.resolve("pom.xml"));
        Map<String, Path> modules = new LinkedHashMap<>();
        NodeList names = child(parent, "modules").getElementsByTagName("module");
        for (int i = 0; i < names.getLength(); i++) {
            Path folder = root.resolve(names.item(i).getTextContent().trim());
            modules.put(text(parse(folder.resolve("pom.xml")), "artifactId"), folder);
        }
        return new Reactor(root, text(parent, "groupId"), text(parent, "version"), Map.copyOf(modules));
    }

    /** Whether a class path entry is {@code artifactId}'s jar or its module's build output. */
    boolean owns(Path entry, String artifactId) {
        Path folder = modulesByArtifactId.get(artifactId);
        if (folder != null && entry.toAbsolutePath().normalize().startsWith(folder.resolve("target"))) {
            return true;
        }
        return TestClassPath.isJarOf(entry, artifactId);
    }

    /** The XML of {@code pom}, its root element. */
    static Element parse(Path pom) throws IOException {
        try {
            return DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(pom.toFile())
                    .getDocumentElement();
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException(pom + " is not XML: " + e.getMessage(), e);
        }
    }

    /** The text of {@code element}'s direct child {@code name}, or null. */
    static String text(Element element, String name) {
        Element child = child(element, name);
        return child == null ? null : child.getTextContent().trim();
    }

    private static Element child(Element element, String name) {
        for (Node node = element.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element && node.getNodeName().equals(name)) {
                return (Element) node;
            }
        }
        return null;
    }
}
