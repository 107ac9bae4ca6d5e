/** Centralized fine-tuning on the union of the data: the upper reference every method is compared to. */
package org.mpsl4j.engine.centralized;
