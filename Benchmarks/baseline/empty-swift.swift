// The memory baseline of a Swift program that imports nothing but the standard library (and Glibc for pause()):
// it waits for a signal. `pro380-mqtt bench` reads its peak RSS next to the bridge's.
#if canImport(Glibc)
import Glibc
#endif

while true { pause() }
