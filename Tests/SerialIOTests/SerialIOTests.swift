// SerialIOTests
