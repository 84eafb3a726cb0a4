// The memory baseline of a Swift program that imports Foundation and uses it once (so it is loaded and set up, as
// in the bridge): it waits for a signal. `pro380-mqtt bench` reads its peak RSS next to the bridge's.
import Foundation

print("started", Date(), terminator: "\n")
while true { pause() }
