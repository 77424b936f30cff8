print("modelget")
