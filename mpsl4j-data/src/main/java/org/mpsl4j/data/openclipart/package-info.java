/**
 * OpenClipart image + text: SVG rendering with Apache Batik (with repairs for the package's common defects), title and
 * keyword extraction from the SVG metadata, masking of words that name the label, and the stratified split.
 */
package org.mpsl4j.data.openclipart;
