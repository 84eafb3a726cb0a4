// ModbusTests
