# detector tests, group A
