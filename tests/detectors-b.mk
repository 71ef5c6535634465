# detector tests, group B
