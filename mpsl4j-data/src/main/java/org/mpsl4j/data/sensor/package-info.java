/**
 * Inertial sensors: the sp-sw-har phone + watch recordings, their CSV parsing with per-row error reports, timestamp
 * alignment, resampling, windowing with majority labels, and train-fitted per-channel standardization.
 */
package org.mpsl4j.data.sensor;
