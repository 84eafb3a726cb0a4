// The pro380-mqtt command-line tool.
print("pro380-mqtt")
