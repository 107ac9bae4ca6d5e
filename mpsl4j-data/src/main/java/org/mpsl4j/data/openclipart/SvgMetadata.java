package org.mpsl4j.data.openclipart;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The descriptive text of an OpenClipart SVG: the work's Dublin Core title ({@code cc:Work/dc:title}) and keywords
 * ({@code dc:subject/rdf:Bag/rdf:li}) from its {@code <metadata>} block.
 *
 * <p>Read with StAX, stopping after the metadata block, with external entities (the SVG DTD) resolved to nothing, so
 * no network access and little parsing. A file whose XML cannot be read gives an empty title and no keywords: its
 * image may still render, and a sample with empty text is still a valid multimodal sample.
 *
 * @param title    the title, or "" if none
 * @param keywords the keywords, in file order
 */
public record SvgMetadata(String title, List<String> keywords) {

  private static final String DC = "http://purl.org/dc/elements/1.1/";
  private static final String RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

  private static final XMLInputFactory FACTORY = newFactory();

  /** Reads the metadata of one SVG file; never throws for bad XML (see the class comment). */
  public static SvgMetadata read(Path file) {
    String title = "";
    List<String> keywords = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      XMLStreamReader r;
      synchronized (FACTORY) {
        r = FACTORY.createXMLStreamReader(in);
      }
      try {
        int depthInAgent = 0;
        boolean inSubject = false;
        while (r.hasNext()) {
          int event = r.next();
          if (event == XMLStreamConstants.START_ELEMENT) {
            String ns = r.getNamespaceURI();
            String local = r.getLocalName();
            if ("Agent".equals(local)) {
              depthInAgent++;
            } else if (DC.equals(ns) && "title".equals(local) && depthInAgent == 0 && title.isEmpty()) {
              title = r.getElementText().strip();
            } else if (DC.equals(ns) && "subject".equals(local)) {
              inSubject = true;
            } else if (inSubject && RDF.equals(ns) && "li".equals(local)) {
              String k = r.getElementText().strip();
              if (!k.isEmpty()) {
                keywords.add(k);
              }
            }
          } else if (event == XMLStreamConstants.END_ELEMENT) {
            String local = r.getLocalName();
            if ("Agent".equals(local)) {
              depthInAgent--;
            } else if ("subject".equals(local) && DC.equals(r.getNamespaceURI())) {
              inSubject = false;
            } else if ("metadata".equals(local)) {
              break;
            }
          }
        }
      } finally {
        r.close();
      }
    } catch (XMLStreamException | IOException | RuntimeException e) {
      // Unreadable XML: no text (documented); the image decides whether the sample is usable.
    }
    return new SvgMetadata(title, List.copyOf(keywords));
  }

  private static XMLInputFactory newFactory() {
    XMLInputFactory f = XMLInputFactory.newInstance();
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    f.setProperty(XMLInputFactory.IS_COALESCING, true);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setXMLResolver((publicId, systemId, baseUri, namespace) -> new ByteArrayInputStream(new byte[0]));
    return f;
  }
}
